import { test } from "node:test";
import assert from "node:assert/strict";
import { costProfileNames, costProfiles, describeProfile, resolveCosts, swapCycles } from "./costs.js";

test("every parameter of every profile has a value, a unit, a kind and a source", () => {
  for (const name of costProfileNames) {
    for (const [k, v] of Object.entries(costProfiles[name]?.params ?? {})) {
      assert.ok(Number.isFinite(v.value) && v.value >= 0, `${name}.${k} value`);
      assert.ok(["measured", "derived", "assumed"].includes(v.kind), `${name}.${k} kind`);
      assert.ok(v.source.length > 10, `${name}.${k} source`);
    }
  }
});

test("the client profile's page swap is within 10% of VAULT's ~40K cycles", () => {
  const c = swapCycles("client-128m");
  assert.ok(c >= 36_000 && c <= 44_000, `${c} cycles`);
});

test("resolveCosts converts cycles to integer ns and applies overrides", () => {
  const c = resolveCosts("client-128m");
  assert.equal(c.ewb, Math.round(13_000 / 3));
  assert.equal(c.ksgxdWake, 20_000);
  assert.equal(c.ipiNs(2), Math.round((4_000 + 2 * 1_500) / 3));
  const o = resolveCosts("client-128m", { ewb: 30_000, clockGhz: 1 });
  assert.equal(o.ewb, 30_000);
  assert.equal(o.eldu, 12_000);
});

test("resolveCosts rejects unknown profiles and parameters with a full sentence", () => {
  assert.throws(() => resolveCosts("pentium"), /Unknown cost profile "pentium"; expected one of client-128m/);
  assert.throws(() => resolveCosts("client-128m", { ewbb: 1 }), /Unknown cost parameter "ewbb"/);
  assert.throws(() => resolveCosts("client-128m", { ewb: -1 }), /non-negative/);
});

test("describeProfile prints a Markdown table with every parameter", () => {
  const t = describeProfile("icelake-server");
  assert.match(t, /\| ewb \| 9000 \| cycles \| assumed \|/);
  assert.match(t, /\| clockGhz \| 2.6 \| GHz \|/);
});
