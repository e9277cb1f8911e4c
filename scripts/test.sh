#!/usr/bin/env bash
# Sets up what is missing, type-checks everything (tests included), then runs every test file, two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The Swagger UI check drives a real headless Chromium from Debian's packages.
if ! command -v chromium >/dev/null; then
  echo "test: installing chromium from Debian's packages"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bun run --silent typecheck
exec bun test --parallel=2 --timeout 60000 "$@"
