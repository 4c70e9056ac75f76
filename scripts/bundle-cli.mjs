// `npm run build`, after tsc: the `epcsim` command's bundle, dist/src/cli/epcsim.js — our modules and
// the small libraries they import at start-up (zod, yaml, commander, cli-progress, leven, pure-rand)
// in one file, linked by esbuild from tsc's output (tsc compiles, esbuild only joins the modules, so
// the bundle runs the same JavaScript as the modules it is made of). Node then
// reads and links one module instead of about 450, which takes a command's start-up from about 0.5 s
// to 0.3 s on the development machine. bin/epcsim.js runs it; dist/src/cli/main.js, tsc's output,
// is the same program unbundled (the tests run both).
//
// Left outside: the packages loaded on first use (the report's vega, the dashboard's fastify, the
// queue's BullMQ and ioredis, the Parquet writer; piscina, csv-parse, csv-stringify and zstd-napi come
// through createRequire, which esbuild leaves alone) and the worker threads' entries
// (sweep/worker.js, cli/serve-worker.js), which load tsc's modules. The bundle sits beside main.js,
// so the paths it resolves from import.meta.url (package.json, src/web/public, the worker files) are
// the same.
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const from = (rel) => fileURLToPath(new URL(rel, import.meta.url));

await build({
  entryPoints: [from("../dist/src/cli/main.js")],
  outfile: from("../dist/src/cli/epcsim.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["vega", "vega-lite", "fastify", "@fastify/static", "bullmq", "ioredis", "hyparquet-writer", "playwright-core"],
  legalComments: "inline",
  logLevel: "warning",
  // the CommonJS libraries bundled (commander, cli-progress) call require() for Node's built-ins
  banner: { js: "import { createRequire as __bundleCreateRequire } from 'node:module';\nconst require = __bundleCreateRequire(import.meta.url);" },
});
