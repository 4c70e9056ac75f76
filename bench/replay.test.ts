import { test } from "node:test";
import assert from "node:assert/strict";
import { parseBenchArgs, parseCachesimOutput } from "./replay.js";

test("bench: cachesim's result line gives its miss ratio and throughput", () => {
  const line = "zipf.oracleGeneral Clock cache size   410MiB,          4000000 req, miss ratio 0.3590, throughput 3.76 MQPS\n";
  assert.deepEqual(parseCachesimOutput(line), { missRatio: 0.359, mqps: 3.76 });
  assert.throws(() => parseCachesimOutput("usage: cachesim ...\n"), /cachesim printed no "miss ratio" line/);
});

test("bench: --cachesim must name an executable, and nothing else is accepted", () => {
  assert.deepEqual(parseBenchArgs([]), { cachesim: null, tib: false, hugepages: false });
  assert.deepEqual(parseBenchArgs(["--cachesim", process.execPath]), { cachesim: process.execPath, tib: false, hugepages: false });
  assert.deepEqual(parseBenchArgs(["--tib"]), { cachesim: null, tib: true, hugepages: false });
  assert.deepEqual(parseBenchArgs(["--hugepages"]), { cachesim: null, tib: false, hugepages: true });
  assert.throws(() => parseBenchArgs(["--cachesim", "/nonexistent/cachesim"]), { message: "npm run bench: --cachesim /nonexistent/cachesim: expected an executable libCacheSim cachesim binary." });
  assert.throws(() => parseBenchArgs(["--cachesm", "x"]), /^Error: npm run bench: Unknown option '--cachesm'.*expected: npm run bench -- \[--cachesim PATH\] \[--tib\] \[--hugepages\]/);
});
