// Property-based tests: random scenarios (enclaves of random shapes, access phases, SGX2 growth and
// shrinking, vEPC guests, kills and memory failures) run with the invariants checked after every
// event; every run must end with every process gone and every frame back (or poisoned/leaked), and
// recording the run for --out must change nothing and give consistent files. The model lives in
// src/testing/property-model.ts, which `npm run fuzz` runs for many more cases.
import { test } from "node:test";
import fc from "fast-check";
import { runsEndWell } from "../src/testing/property-model.js";

test("random scenarios keep every invariant and give every frame back", () => {
  fc.assert(runsEndWell, { numRuns: Number(process.env.EPCSIM_PROPERTY_RUNS ?? 60), seed: Number(process.env.EPCSIM_PROPERTY_SEED ?? 20261125) });
});
