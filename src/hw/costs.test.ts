import { test } from "node:test";
import assert from "node:assert/strict";
import { costProfileNames, costProfiles, describeProfile, resolveCosts, swapCycles, type CostParamName } from "./costs.js";

const PARAMS: readonly CostParamName[] = [
  "clockGhz", "ecreate", "eadd", "eextend", "einit", "eremove", "epa", "eblock", "etrack", "ewb", "eldu", "eaug",
  "emodpr", "emodt", "eaccept", "eenter", "eexit", "aex", "eresume", "faultEntry", "ipiBase", "ipiPerCpu", "pteZap",
  "ageScan", "backingAlloc", "backingCopy", "memoryAccess", "ioctlEntry", "mmapCall", "ksgxdWake",
  "reclaimBatchOverhead", "sha256Modulus",
];

test("there are the three profiles, each with exactly the named parameters", () => {
  assert.deepEqual([...costProfileNames].sort(), ["client-128m", "icelake-server", "sapphire-rapids-server"]);
  for (const name of costProfileNames) {
    const profile = costProfiles[name];
    assert.ok(profile !== undefined);
    assert.equal(profile.name, name);
    assert.ok(profile.description.length > 10);
    assert.deepEqual(Object.keys(profile.params).sort(), [...PARAMS].sort(), name);
  }
});

test("every parameter of every profile has a value, a fitting unit, a kind and a source", () => {
  for (const name of costProfileNames) {
    for (const [k, v] of Object.entries(costProfiles[name]?.params ?? {})) {
      const where = `${name}.${k}`;
      assert.ok(Number.isFinite(v.value) && v.value >= 0, `${where} value`);
      assert.ok(["measured", "derived", "assumed"].includes(v.kind), `${where} kind`);
      assert.ok(v.source.trim().length > 10, `${where} source`);
      assert.equal(v.unit, k === "clockGhz" ? "GHz" : k === "ksgxdWake" ? "ns" : "cycles", `${where} unit`);
      if (v.kind === "assumed") assert.ok(/assumed/i.test(v.source), `${where}: an assumption says so in its source`);
      if (v.kind === "assumed" && !/carried over/.test(v.source)) assert.ok(v.note !== undefined || v.source.length > 40, `${where}: an assumption gives its rationale`);
    }
  }
});

test("the server profiles are assumptions, except for the platform-neutral kernel anchors", () => {
  for (const name of ["icelake-server", "sapphire-rapids-server"]) {
    for (const [k, v] of Object.entries(costProfiles[name]?.params ?? {})) {
      if (k === "einit" || k === "eremove") assert.equal(v.kind, "derived", `${name}.${k}`);
      else assert.equal(v.kind, "assumed", `${name}.${k}`);
    }
  }
  const icl = costProfiles["icelake-server"]!.params;
  const client = costProfiles["client-128m"]!.params;
  assert.ok(icl.ewb.value < client.ewb.value && icl.eldu.value < client.eldu.value, "paging is cheaper without the integrity tree");
  assert.equal(icl.clockGhz.value, 2.6);
});

test("the client profile's page swap is within 10% of VAULT's ~40K cycles", () => {
  const c = swapCycles("client-128m");
  assert.ok(Math.abs(c - 40_000) <= 4_000, `${c} cycles`);
  const v = (k: CostParamName): number => costProfiles["client-128m"]!.params[k].value;
  // the same sum spelt out: fault + reload, eviction, a sixteenth of the batch
  const spelt =
    v("aex") + v("faultEntry") + v("eldu") + v("backingCopy") + v("eresume") +
    v("ageScan") + v("pteZap") + v("eblock") + v("ewb") + v("backingCopy") + v("backingAlloc") +
    (v("etrack") + v("reclaimBatchOverhead")) / 16;
  assert.equal(c, spelt);
  assert.ok(v("einit") >= 50_000, 'EINIT is "50k+ cycles"');
  assert.equal(v("eenter") + v("eexit"), 8_200, "HotCalls' warm ECALL round trip");
});

test("resolveCosts converts cycles to integer ns at the profile's clock", () => {
  const c = resolveCosts("client-128m");
  assert.equal(c.profile, "client-128m");
  assert.equal(c.clockGhz, 3);
  assert.equal(c.ewb, Math.round(13_000 / 3));
  assert.equal(c.eextend, Math.round(1_000 / 3));
  assert.equal(c.ksgxdWake, 20_000, "ns parameters are not scaled by the clock");
  assert.equal(c.ipiNs(2), Math.round((4_000 + 2 * 1_500) / 3));
  assert.equal(c.ipiNs(0), Math.round(4_000 / 3));
  for (const name of costProfileNames) {
    const r = resolveCosts(name) as unknown as Record<string, unknown>;
    for (const k of PARAMS) {
      if (k === "clockGhz" || k === "ipiBase" || k === "ipiPerCpu") continue;
      const x = r[k];
      assert.ok(typeof x === "number" && Number.isInteger(x) && x >= 1, `${name}.${k} = ${String(x)}`);
    }
  }
  const icl = resolveCosts("icelake-server");
  assert.equal(icl.ewb, Math.round(9_000 / 2.6));
});

test("non-zero costs resolve to at least 1 ns, zero stays zero", () => {
  const c = resolveCosts("client-128m", { memoryAccess: 1, ageScan: 0, pteZap: 2, ksgxdWake: 0.2, ipiBase: 0, ipiPerCpu: 0 });
  assert.equal(c.memoryAccess, 1);
  assert.equal(c.pteZap, 1);
  assert.equal(c.ageScan, 0);
  assert.equal(c.ksgxdWake, 1);
  assert.equal(c.ipiNs(4), 0);
  const slow = resolveCosts("client-128m", { clockGhz: 0.001, memoryAccess: 1 });
  assert.equal(slow.memoryAccess, 1000);
});

test("overrides apply in the parameter's own unit, the clock included", () => {
  const o = resolveCosts("client-128m", { ewb: 30_000, clockGhz: 1, ksgxdWake: 5_000, ipiPerCpu: 0 });
  assert.equal(o.ewb, 30_000);
  assert.equal(o.eldu, 12_000);
  assert.equal(o.ksgxdWake, 5_000);
  assert.equal(o.ipiNs(8), 4_000);
  assert.equal(o.clockGhz, 1);
  // the profile itself is untouched
  assert.equal(costProfiles["client-128m"]!.params.ewb.value, 13_000);
  assert.equal(resolveCosts("client-128m").ewb, Math.round(13_000 / 3));
});

test("resolveCosts rejects unknown profiles and parameters with a full sentence", () => {
  assert.throws(() => resolveCosts("pentium"), /^Error: Unknown cost profile "pentium"; expected one of client-128m.*\.$/);
  assert.throws(() => resolveCosts("client-128m", { ewbb: 1 }), /Unknown cost parameter "ewbb"; expected one of .*\.$/);
  assert.throws(() => resolveCosts("client-128m", { toString: 1 }), /Unknown cost parameter "toString"/);
  assert.throws(() => resolveCosts("client-128m", { ewb: -1 }), /non-negative/);
  assert.throws(() => resolveCosts("client-128m", { ewb: Number.NaN }), /non-negative/);
  assert.throws(() => resolveCosts("client-128m", { clockGhz: 0 }), /"clockGhz" must be positive/);
});

test("describeProfile prints a Markdown table with every parameter and the swap sum", () => {
  for (const name of costProfileNames) {
    const t = describeProfile(name);
    assert.match(t, /\| name \| value \| unit \| kind \| source \|/);
    for (const k of PARAMS) assert.match(t, new RegExp(`^\\| ${k} \\| `, "m"), `${name}: ${k}`);
    for (const line of t.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| name"))) {
      assert.equal(line.replace(/\\\|/g, "").split("|").length, 7, `five cells: ${line}`);
    }
  }
  const c = describeProfile("client-128m");
  assert.match(c, /\| ewb \| 13000 \| cycles \| derived \|/);
  assert.match(c, /= 38950 cycles, 97% of the verified anchor: VAULT/);
  const i = describeProfile("icelake-server");
  assert.match(i, /\| ewb \| 9000 \| cycles \| assumed \|/);
  assert.match(i, /\| clockGhz \| 2.6 \| GHz \| assumed \|/);
  assert.match(i, /not anchored on this platform/);
});
