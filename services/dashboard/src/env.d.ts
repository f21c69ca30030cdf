// The dashboard runs in a browser: DOM types for every program that includes these files (its own
// tsconfig names the libs too; the repository-wide `tsc -p tsconfig.json` learns them from here).
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
