#!/usr/bin/env bash
# Installs whatever is missing for Berth on Debian (Bun, runc, busybox-static, skopeo and umoci for images, the npm
# packages), builds the shim binary, berthd's bundle (dist/berthd.js), the dashboard's assets (dist/ui) and the busybox rootfs with a demo bundle.
# Idempotent: a second run does only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v runc >/dev/null || need_apt+=(runc)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
# images: skopeo fetches them (registries, OCI layouts, docker archives), umoci unpacks them
command -v skopeo >/dev/null || need_apt+=(skopeo)
command -v umoci >/dev/null || need_apt+=(umoci)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v bun >/dev/null || ! bun --version >/dev/null 2>&1; then
  echo "setup: installing bun from the npm registry"
  npm install -g bun@1.4.5 >/dev/null 2>&1 || npm install -g --allow-scripts=bun bun@1.4.5 >/dev/null
fi

bun install --frozen-lockfile >/dev/null
bun run --silent build:shim >/dev/null
bun run --silent build:berthd >/dev/null
bun run --silent build:ui >/dev/null
bun scripts/bundle.ts demo >/dev/null
