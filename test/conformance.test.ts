// Every conformance case must hold: each is one kernel behaviour with its expected observations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadConformanceCases, lookup, runConformanceCase } from "../src/cli/conformance.js";

const dir = fileURLToPath(new URL("../../test/conformance/", import.meta.url));

for (const c of loadConformanceCases(dir)) {
  test(`conformance ${c.behaviour} (${c.generation}): ${c.title}`, () => {
    const failed = runConformanceCase(c).filter((r) => !r.pass);
    assert.deepEqual(failed, []);
  });
}

test("lookup follows dotted and list paths, and reports absent fields", () => {
  const doc = { cgroups: { "/a.b": { current: 4096 } }, fileOps: [{ result: "ok" }] };
  assert.equal(lookup(doc, "fileOps.0.result"), "ok");
  assert.equal(lookup(doc, ["cgroups", "/a.b", "current"]), 4096);
  assert.equal(lookup(doc, "fileOps.3.result"), undefined);
});

test("the kernel selftest's cases (T*) hold under the EPC cgroup generations too, with a 4 MiB EPC for the oversubscribed ones", () => {
  for (const c of loadConformanceCases(dir).filter((x) => x.behaviour.startsWith("T"))) {
    for (const generation of ["v17", "v5"] as const) {
      const text = JSON.stringify(c.scenario).replaceAll('"1MiB"', '"4MiB"').replace('"size":"2MiB"', '"size":"8MiB"');
      const failed = runConformanceCase({ ...c, generation, scenario: JSON.parse(text) as Record<string, unknown>, expect: c.expect.map((e) => ({ ...e, equals: e.equals === 1048576 ? 4 * 1048576 : e.equals })) }).filter((r) => !r.pass);
      assert.deepEqual(failed, [], `${c.behaviour} under ${generation}`);
    }
  }
});
