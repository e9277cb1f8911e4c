#!/usr/bin/env bash
# Sets up what is missing, type-checks everything (tests included), then runs every test file, two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Swagger UI check drives a real headless Chromium from Debian's packages; the completion checks run zsh
# and fish.
need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test: installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The metrics check pipes /metrics into promtool, from Debian's prometheus package. Only the promtool binary is
# taken from the package (into dist/tools): installing the package would also enable and start a Prometheus
# server on hosts that run systemd, which no test wants.
if [ ! -x dist/tools/promtool ]; then
  echo "test: extracting promtool from Debian's prometheus package"
  tmp=$(mktemp -d)
  apt-get update -qq
  (cd "$tmp" && apt-get download -qq prometheus 2>/dev/null)
  mkdir -p dist/tools
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -xO ./usr/bin/promtool > dist/tools/promtool.tmp
  chmod 755 dist/tools/promtool.tmp && mv dist/tools/promtool.tmp dist/tools/promtool
  rm -rf "$tmp"
fi
bun run --silent typecheck
exec bun test --parallel=2 --timeout 60000 "$@"
