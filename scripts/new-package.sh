#!/usr/bin/env bash
# Scaffolds a workspace: scripts/new-package.sh packages/foo @carousel/foo "one line description"
set -euo pipefail
dir=$1; name=$2; desc=$3
mkdir -p "$dir/src"
[ -f "$dir/package.json" ] || cat > "$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "private": true,
  "description": "$desc",
  "type": "module",
  "exports": { ".": "./src/index.ts" },
  "scripts": {
    "build": "tsc -p .",
    "typecheck": "tsc -p .",
    "test": "vitest run"
  }
}
JSON
[ -f "$dir/tsconfig.json" ] || cat > "$dir/tsconfig.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "include": ["src/**/*.ts"]
}
JSON
[ -f "$dir/vitest.config.ts" ] || cat > "$dir/vitest.config.ts" <<TS
import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: '$name', include: ['src/**/*.test.ts'], testTimeout: 30_000, hookTimeout: 30_000 },
});
TS
