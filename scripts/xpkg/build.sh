#!/usr/bin/env bash
# Builds the Function package for each architecture and the Configuration
# package, without Docker:
#
#   build/function-remote-eks-<version>-amd64.xpkg
#   build/function-remote-eks-<version>-arm64.xpkg
#   build/configuration-remote-eks-<version>.xpkg
#
# Runtime image layers, in order: Debian libraries that the Node.js binary
# links against (from mmdebstrap), the official Node.js binary as published
# on npm, the compiled function with its production node_modules, then the
# package.yaml layer. Downloads are cached under build/cache; delete it to
# fetch again. Needs root for mmdebstrap and dpkg-deb, plus GNU tar and gzip.
#
# Environment:
#   XPKG_ARCHES        architectures to build (default "amd64 arm64")
#   XPKG_REPOSITORY    image reference written into the function archives
#   SOURCE_DATE_EPOCH  mtime of every file (default: time of the HEAD commit)
set -euo pipefail

cd "$(dirname "$0")/../.."

readonly NODE_VERSION=20.20.2
declare -rA NODE_NPM_ARCH=([amd64]=x64 [arm64]=arm64)
# dist.integrity of node-linux-<arch>@NODE_VERSION as the npm registry lists
# it. Every run checks the cached tarball against these.
declare -rA NODE_INTEGRITY=(
  [amd64]='sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ=='
  [arm64]='sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg=='
)

readonly DEBIAN_SUITE=bookworm
# The Node.js binary needs glibc, libstdc++ and libgcc_s; base-files adds
# /etc/os-release so that image scanners recognise Debian 12.
readonly DEBIAN_PACKAGES=(libc6 libstdc++6 libgcc-s1 base-files)
# base-files depends on mawk only for its maintainer scripts, and maintainer
# scripts never run in this image.
readonly DEBIAN_SKIP=(mawk)

readonly IMAGE_REPOSITORY=${XPKG_REPOSITORY:-xpkg.crossplane.io/crossplane-contrib/function-remote-eks}
readonly CONFIGURATION_REPOSITORY=${XPKG_CONFIGURATION_REPOSITORY:-xpkg.crossplane.io/crossplane-contrib/configuration-remote-eks}
read -r -a arches <<<"${XPKG_ARCHES:-amd64 arm64}"

readonly cache=build/cache
readonly work=build/xpkg
version=$(node -p 'require("./package.json").version')
readonly version
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH

die() {
  echo "xpkg build: $*" >&2
  exit 1
}

step() {
  echo "==> [${SECONDS}s] $*"
}

require_tools() {
  local tool missing=()
  for tool in mmdebstrap dpkg-deb tar gzip openssl node npm; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  if ((${#missing[@]} > 0)); then
    die "missing tools: ${missing[*]}; scripts/ci-xpkg.sh installs them with apt-get"
  fi
  [[ -x node_modules/.bin/tsc ]] || die "node_modules/.bin/tsc not found; run npm ci first"
}

# Fails on addons that would need compiling per architecture (binding.gyp),
# and on prebuilt addons missing a Linux build for either architecture,
# because node_modules is staged once and shared by both images.
check_native_addons() {
  local modules=$1 directory
  if find "$modules" -name binding.gyp -print -quit | grep -q .; then
    die "native addon sources found under $modules (binding.gyp): they would need a build per architecture"
  fi
  while IFS= read -r directory; do
    if ! compgen -G "$directory/*linux-x64*.node" >/dev/null || ! compgen -G "$directory/*linux-arm64*.node" >/dev/null; then
      die "$directory contains native addons without both linux-x64 and linux-arm64 builds"
    fi
    echo "    note: ${directory#"$modules"/} ships prebuilt native addons for linux-x64 and linux-arm64"
  done < <(find "$modules" -type f -name '*.node' -printf '%h\n' | sort -u)
}

# Prints the path of the production node_modules, cached by the hash of
# package.json and the lockfile. Progress goes to stderr.
production_node_modules() {
  local key directory
  key=$(cat package.json package-lock.json | sha256sum | cut -c1-16)
  directory=$cache/node_modules/$key
  if [[ ! -d $directory/node_modules ]]; then
    rm -rf "$directory.tmp"
    mkdir -p "$directory.tmp"
    cp package.json package-lock.json "$directory.tmp/"
    # Install scripts stay off: nothing here may run code at install time.
    (cd "$directory.tmp" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
    check_native_addons "$directory.tmp/node_modules" >&2
    rm -rf "$directory"
    mv "$directory.tmp" "$directory"
  fi
  echo "$directory/node_modules"
}

stage_app() {
  local root=$work/stage/app modules
  rm -rf "$root"
  mkdir -p "$root/app"
  cp package.json package-lock.json "$root/app/"
  node_modules/.bin/tsc -p tsconfig.build.json --outDir "$root/app/dist" --sourceMap false
  modules=$(production_node_modules)
  cp -a "$modules" "$root/app/node_modules"
}

node_tarball() {
  local arch=$1 name tarball registry actual
  name=node-linux-${NODE_NPM_ARCH[$arch]}
  tarball=$cache/npm/$name-$NODE_VERSION.tgz
  if [[ ! -f $tarball ]]; then
    registry=$(npm view "$name@$NODE_VERSION" dist.integrity)
    [[ $registry == "${NODE_INTEGRITY[$arch]}" ]] ||
      die "the npm registry lists $name@$NODE_VERSION with integrity $registry, but this script pins ${NODE_INTEGRITY[$arch]}"
    mkdir -p "$cache/npm"
    npm pack "$name@$NODE_VERSION" --pack-destination "$cache/npm" --silent >/dev/null
  fi
  actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  [[ $actual == "${NODE_INTEGRITY[$arch]}" ]] ||
    die "$tarball has integrity $actual, expected ${NODE_INTEGRITY[$arch]}; delete it and run again"
  echo "$tarball"
}

stage_node() {
  local arch=$1 root=$work/stage/node-$1 tarball
  tarball=$(node_tarball "$arch")
  rm -rf "$root" "$root.unpacked"
  mkdir -p "$root.unpacked" "$root/usr/local/bin" "$root/usr/local/share/doc/node"
  tar -xzf "$tarball" -C "$root.unpacked" package/bin/node package/LICENSE
  mv "$root.unpacked/package/bin/node" "$root/usr/local/bin/node"
  mv "$root.unpacked/package/LICENSE" "$root/usr/local/share/doc/node/LICENSE"
  rm -rf "$root.unpacked"
  chmod 0755 "$root/usr/local/bin/node"
}

# Debian packages for one architecture, resolved and downloaded by mmdebstrap
# (which checks the archive signatures) and cached until the list changes.
debian_packages() {
  local arch=$1 directory=$cache/debian/$DEBIAN_SUITE-$1 wanted target
  wanted="${DEBIAN_PACKAGES[*]}"
  if [[ ! -f $directory/requested || $(cat "$directory/requested") != "$wanted" ]]; then
    rm -rf "$directory" "$directory.tmp"
    mkdir -p "$directory.tmp"
    target=$(mktemp -d)
    # The extract variant unpacks without running maintainer scripts, so no
    # emulator is needed for arm64. With no mirror given, mmdebstrap uses
    # Debian's default mirror plus its updates and security suites.
    mmdebstrap --quiet --variant=extract --architectures="$arch" \
      --include="$(IFS=,; echo "${DEBIAN_PACKAGES[*]}")" \
      --extract-hook="cp \"\$1\"/var/cache/apt/archives/*.deb '$(realpath "$directory.tmp")/'" \
      "$DEBIAN_SUITE" "$target" >&2
    rm -rf "$target"
    echo "$wanted" >"$directory.tmp/requested"
    mv "$directory.tmp" "$directory"
  fi
  echo "$directory"
}

stage_base() {
  local arch=$1 root=$work/stage/base-$1 directory deb package
  directory=$(debian_packages "$arch")
  rm -rf "$root"
  mkdir -p "$root/var/lib/dpkg/status.d"
  for deb in "$directory"/*.deb; do
    package=$(dpkg-deb --field "$deb" Package)
    if [[ " ${DEBIAN_SKIP[*]} " == *" $package "* ]]; then
      continue
    fi
    dpkg-deb --extract "$deb" "$root"
    # One control file per package, the layout distroless images use, so
    # that scanners can list the packages although dpkg never ran.
    dpkg-deb --field "$deb" >"$root/var/lib/dpkg/status.d/$package"
    echo "    $package $(dpkg-deb --field "$deb" Version)"
  done

  # Keep the copyright files, drop the rest of the documentation.
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  find "$root/usr/share/doc" -type d -empty -delete
  rm -rf "$root/usr/share/man" "$root/usr/share/info" "$root/usr/share/lintian"

  printf '%s\n' 'root:x:0:0:root:/root:/usr/sbin/nologin' \
    'function:x:2000:2000:function-remote-eks:/nonexistent:/usr/sbin/nologin' >"$root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'function:x:2000:' >"$root/etc/group"
  chmod 0644 "$root/etc/passwd" "$root/etc/group"
  # The only writable place at run time; the root filesystem may be read-only.
  mkdir -p "$root/tmp"
  chmod 1777 "$root/tmp"
}

main() {
  require_tools
  echo "function-remote-eks $version, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH, architectures: ${arches[*]}"

  step "compiling the packaging tools"
  node_modules/.bin/tsc -p tsconfig.scripts.json

  step "staging dist/ and production node_modules/"
  stage_app

  local arch
  for arch in "${arches[@]}"; do
    [[ -n ${NODE_NPM_ARCH[$arch]:-} ]] || die "unsupported architecture $arch; expected amd64 or arm64"
    step "$arch: staging Debian $DEBIAN_SUITE libraries"
    stage_base "$arch"
    step "$arch: staging Node.js $NODE_VERSION"
    stage_node "$arch"
    step "$arch: assembling the Function package"
    node build/tools/xpkg/assemble.js function --arch "$arch" \
      --base "$work/stage/base-$arch" --node "$work/stage/node-$arch" --app "$work/stage/app" \
      --package-root package --image "$IMAGE_REPOSITORY:v$version" \
      --out "build/function-remote-eks-$version-$arch.xpkg" --work "$work/image-$arch" \
      --layer-cache "$cache/layers"
  done

  step "assembling the Configuration package from examples/xrd.yaml and examples/composition.yaml"
  node build/tools/xpkg/assemble.js configuration --meta configuration/crossplane.yaml \
    --object examples/xrd.yaml --object examples/composition.yaml \
    --image "$CONFIGURATION_REPOSITORY:v$version" \
    --out "build/configuration-remote-eks-$version.xpkg" --work "$work/configuration"

  step "done"
  (cd build && sha256sum ./*-"$version"*.xpkg)
}

main "$@"
