#!/usr/bin/env bash
# One-time set-up for a fresh Debian machine (and every CI run): installs the system packages
# Carousel's tests and `carousel up` use when they are missing (nats-server, prometheus, chromium),
# then the npm dependencies from the lockfile. Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v nats-server >/dev/null 2>&1 || need+=(nats-server)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Install from the lockfile when node_modules is missing or older than it. npm 11's `npm ci`
# insists on lockfile entries for every platform's optional packages (rollup, esbuild, turbo),
# which a registry serving only this platform's builds cannot provide; then `npm install`
# installs the same locked versions.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error 2>/dev/null \
    || npm install --no-audit --no-fund --loglevel=error
fi
