#!/usr/bin/env bash
# Runs the packaged amd64 function image with runc and sends it RunFunction
# calls for the bundled example over gRPC on 127.0.0.1: once with --insecure
# and once with mutual TLS, using certificates that openssl makes here.
#
# The image runs as it would in a pod: as uid 2000, from its own Entrypoint,
# with a read-only root filesystem and only /tmp writable, no capabilities,
# and the certificates mounted at /tls/server with TLS_SERVER_CERTS_DIR
# pointing there. It shares the host's network namespace so that the client
# can reach it on 127.0.0.1. Needs root, runc, umoci, openssl and jq.
#
# Environment:
set -euo pipefail

cd "$(dirname "$0")/../.."

version=$(node -p 'require("./package.json").version')
readonly version
readonly archive=build/function-remote-eks-$version-amd64.xpkg
readonly work=build/xpkg/smoke
readonly container_prefix=function-remote-eks-smoke-$$
failures=0

die() {
  echo "xpkg smoke: $*" >&2
  exit 1
}

cleanup() {
  local id
  for id in "$container_prefix-insecure" "$container_prefix-tls"; do
    runc delete --force "$id" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

make_certificates() {
  local directory=$1
  mkdir -p "$directory/server" "$directory/client"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj '/CN=function-remote-eks smoke CA' \
    -keyout "$directory/ca.key" -out "$directory/ca.crt" 2>/dev/null
  # The client dials 127.0.0.1, so the server certificate names that address.
  openssl req -newkey rsa:2048 -nodes -subj '/CN=function-remote-eks' \
    -keyout "$directory/server/tls.key" -out "$directory/server.csr" 2>/dev/null
  openssl x509 -req -in "$directory/server.csr" -CA "$directory/ca.crt" -CAkey "$directory/ca.key" \
    -CAcreateserial -days 1 -out "$directory/server/tls.crt" \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n') 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj '/CN=crossplane' \
    -keyout "$directory/client/tls.key" -out "$directory/client.csr" 2>/dev/null
  openssl x509 -req -in "$directory/client.csr" -CA "$directory/ca.crt" -CAkey "$directory/ca.key" \
    -CAcreateserial -days 1 -out "$directory/client/tls.crt" \
    -extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
  cp "$directory/ca.crt" "$directory/server/ca.crt"
  # The server reads its key as uid 2000, so that uid owns the mounted copies.
  chown -R 2000:2000 "$directory/server"
  chmod 0400 "$directory/server/tls.key"
}

# Writes the runc config for one run: the image's own process settings from
# umoci, hardened, with extra server arguments and environment.
configure_bundle() {
  local bundle=$1 certificates=$2 address=$3 mode=$4
  local arguments environment mounts
  if [[ $mode == insecure ]]; then
    arguments=$(jq -cn --arg address "$address" '["--insecure", "--address", $address]')
    environment='[]'
    mounts='[]'
  else
    arguments=$(jq -cn --arg address "$address" '["--address", $address]')
    environment='["TLS_SERVER_CERTS_DIR=/tls/server"]'
    mounts=$(jq -cn --arg source "$(realpath "$certificates/server")" \
      '[{destination: "/tls/server", type: "bind", source: $source, options: ["rbind", "ro"]}]')
  fi
  jq --argjson arguments "$arguments" --argjson environment "$environment" --argjson mounts "$mounts" '
    .process.terminal = false
    | .process.args += $arguments
    | .process.env += $environment
    | .process.noNewPrivileges = true
    | .process.capabilities = {bounding: [], effective: [], inheritable: [], permitted: [], ambient: []}
    | .root.readonly = true
    | .linux.namespaces |= map(select(.type != "network"))
    | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=64m"]}]
    | .mounts += $mounts
  ' "$bundle/config.base.json" >"$bundle/config.json"
}

check() {
  local ok=$1 message=$2
  if [[ $ok == true ]]; then
    echo "PASS  $message"
  else
    echo "FAIL  $message"
    failures=$((failures + 1))
  fi
}

# Starts the container, checks who it runs as, runs the client, stops it.
run_case() {
  local mode=$1 bundle=$2 certificates=$3
  local id=$container_prefix-$mode port address pid uid client_arguments=()
  port=$(free_port)
  address=127.0.0.1:$port
  configure_bundle "$bundle" "$certificates" "$address" "$mode"

  runc run --detach --bundle "$bundle" --pid-file "$work/$mode.pid" "$id" >"$work/$mode.log" 2>&1 ||
    { cat "$work/$mode.log" >&2; die "runc could not start the image ($mode)"; }
  pid=$(cat "$work/$mode.pid")
  uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  check "$([[ $uid == 2000 ]] && echo true || echo false)" "$mode: the server process runs as uid 2000 (found $uid)"

  if [[ $mode == tls ]]; then
    client_arguments=(--ca "$certificates/ca.crt" --cert "$certificates/client/tls.crt" --key "$certificates/client/tls.key")
  fi
  node build/tools/xpkg/smoke-client.js --label "$mode" --address "$address" "${client_arguments[@]}" ||
    failures=$((failures + 1))

  if [[ $mode == tls ]]; then
    if node build/tools/xpkg/smoke-client.js --label "tls without a client certificate" \
      --address "$address" --ca "$certificates/ca.crt" --expect-rejected >"$work/no-client-cert.log"; then
      cat "$work/no-client-cert.log"
    else
      # The server must refuse clients without a certificate, as Crossplane's
      # own function runtime expects mutual TLS.
      cat "$work/no-client-cert.log"
      failures=$((failures + 1))
    fi
  fi

  runc kill "$id" TERM
  # The server exits on SIGTERM; wait up to 10 s before forcing it.
  for _ in $(seq 50); do
    [[ $(runc state "$id" 2>/dev/null | jq -r .status) == stopped ]] && break
    sleep 0.2
  done
  check "$([[ $(runc state "$id" | jq -r .status) == stopped ]] && echo true || echo false)" "$mode: the server stopped on SIGTERM"
  runc delete --force "$id"
  sed 's/^/      server: /' "$work/$mode.log"
}

main() {
  local tool
  for tool in runc umoci openssl jq node; do
    command -v "$tool" >/dev/null || die "missing $tool; scripts/ci-xpkg.sh installs it with apt-get"
  done
  [[ -f $archive ]] || die "$archive not found; run npm run xpkg first"
  node_modules/.bin/tsc -p tsconfig.scripts.json

  rm -rf "$work"
  mkdir -p "$work/layout"
  tar -xf "$archive" -C "$work/layout"
  # umoci reads the OCI side of the archive and writes a runc bundle whose
  # config.json carries the image's Entrypoint, User, Env and WorkingDir.
  umoci unpack --image "$work/layout:v$version" "$work/bundle" >/dev/null
  mv "$work/bundle/config.json" "$work/bundle/config.base.json"
  make_certificates "$work/certificates"

  run_case insecure "$work/bundle" "$work/certificates"
  run_case tls "$work/bundle" "$work/certificates"

  if ((failures > 0)); then
    echo "smoke: $failures checks failed"
    exit 1
  fi
  echo "smoke: all checks passed"
}

main "$@"
