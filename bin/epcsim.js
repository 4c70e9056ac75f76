#!/usr/bin/env node
// The `epcsim` command: the one-file bundle that `npm run build` makes of the CLI (scripts/bundle-cli.mjs),
// compiled from src/cli/main.ts; dist/src/cli/main.js is the same program as separate modules.
import "../dist/src/cli/epcsim.js";
