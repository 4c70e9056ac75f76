#!/usr/bin/env node
// The `epcsim` command; the CLI itself is compiled from src/cli/main.ts by `npm run build`.
import "../dist/src/cli/main.js";
