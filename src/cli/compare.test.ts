import { test } from "node:test";
import assert from "node:assert/strict";
import { expandVariants } from "./compare.js";

test("variants are files x kernels x --set values, labelled by what varies", () => {
  const v = expandVariants(["a.yaml"], ["v17", "v5"], { "policy.oomVictim": "list-order,most-epc", seed: "3" });
  assert.deepEqual(
    v.map((x) => x.label),
    ["v17 policy.oomVictim=list-order", "v17 policy.oomVictim=most-epc", "v5 policy.oomVictim=list-order", "v5 policy.oomVictim=most-epc"],
  );
  assert.deepEqual(v[3]?.set, { kernel: "v5", "policy.oomVictim": "most-epc", seed: "3" });
  assert.deepEqual(
    expandVariants(["a.yaml", "b.yaml"], [], {}).map((x) => [x.label, x.file]),
    [
      ["a.yaml", "a.yaml"],
      ["b.yaml", "b.yaml"],
    ],
  );
  assert.equal(expandVariants(["a.yaml"], ["v17"], {}).length, 1);
});
