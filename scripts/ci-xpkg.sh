#!/usr/bin/env bash
# Builds, verifies and smoke-runs the Crossplane packages without Docker.
# It installs the Debian tools that are missing, builds the Function package
# for amd64 and arm64 and the Configuration package, and checks them with the
# project's verifier and with skopeo's two archive readers. Then it runs the
# amd64 image with runc. Needs root. See docs/packaging.md.
set -euo pipefail

cd "$(dirname "$0")/.."

# dpkg-deb, GNU tar and gzip are part of every Debian system.
readonly APT_PACKAGES=(mmdebstrap umoci runc skopeo jq openssl)

phase() {
  echo
  echo "=== [${SECONDS}s] $*"
}

install_apt_packages() {
  local package missing=()
  for package in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query --show --showformat='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]} == 0)); then
    echo "already installed: ${APT_PACKAGES[*]}"
    return
  fi
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# skopeo reads the same file once through manifest.json (docker-archive) and
# once through index.json (oci-archive), and both readers must accept it.
check_with_skopeo() {
  local version file transport failures=0
  version=$(node -p 'require("./package.json").version')
  for file in build/*-"$version"*.xpkg; do
    for transport in docker-archive oci-archive; do
      if skopeo inspect --config "$transport:$file" >/dev/null 2>build/xpkg/skopeo.log; then
        echo "PASS  $file: skopeo reads it as $transport"
      else
        echo "FAIL  $file: skopeo cannot read it as $transport: $(cat build/xpkg/skopeo.log)"
        failures=$((failures + 1))
      fi
    done
  done
  return "$failures"
}

main() {
  phase "installing Debian packages"
  install_apt_packages
  if [[ ! -x node_modules/.bin/tsc ]]; then
    phase "installing npm dependencies"
    npm ci --no-audit --no-fund
  fi

  phase "building the packages"
  npm run --silent xpkg
  phase "verifying the packages"
  npm run --silent xpkg:verify
  phase "reading the packages with skopeo"
  check_with_skopeo
  phase "smoke-running the amd64 image"
  npm run --silent xpkg:smoke

  phase "done in ${SECONDS}s"
}

main "$@"
