#!/usr/bin/env bash
# Sets up what is missing, then runs berthd in the foreground with docs/api.md's defaults (flags are passed on).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "berthd: demo bundle at $PWD/dist/bundles/demo"
# The bundle setup just built (dist/berthd.js): the same code as `bun run berthd`, in one file.
exec bun dist/berthd.js "$@"
