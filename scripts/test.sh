#!/usr/bin/env bash
# Sets up what is missing, type-checks everything (tests included), then runs every test file, two at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bun run --silent typecheck
exec bun test --parallel=2 "$@"
