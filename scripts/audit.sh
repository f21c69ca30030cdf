#!/usr/bin/env bash
# npm audit of the production dependencies: exit 0 clean, 1 high/critical advisories found,
# 2 audit unavailable (the registry's audit endpoint refused or failed: nothing was checked).
set -uo pipefail
cd "$(dirname "$0")/.."
exec node scripts/audit.mjs "$@"
