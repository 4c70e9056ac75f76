import { test } from "node:test";
import assert from "node:assert/strict";
import { setFlagsFromString } from "node:v8";
import { costProfileNames, costProfiles, describeProfile, listProfiles, profileName, resolveCosts, swapCycles, type CostParamName } from "./costs.js";

const PARAMS: readonly CostParamName[] = [
  "clockGhz", "ecreate", "eadd", "eextend", "einit", "eremove", "epa", "eblock", "etrack", "ewb", "eldu", "eaug",
  "emodpr", "emodt", "eaccept", "eenter", "eexit", "aex", "eresume", "faultEntry", "ipiBase", "ipiPerCpu", "pteZap",
  "ageScan", "backingAlloc", "backingCopy", "memoryAccess", "ioctlEntry", "mmapCall", "ksgxdWake",
  "reclaimBatchOverhead", "sha256Modulus",
];

const AZURE = [
  "azure-dc1s-v2", "azure-dc2s-v2", "azure-dc4s-v2", "azure-dc8-v2",
  "azure-dc1s-v3", "azure-dc2s-v3", "azure-dc4s-v3", "azure-dc8s-v3", "azure-dc16s-v3", "azure-dc24s-v3", "azure-dc32s-v3", "azure-dc48s-v3",
];

test("there are the platform profiles, each with exactly the named parameters", () => {
  assert.deepEqual([...costProfileNames].sort(), ["client-128m", "icelake-server", "icelake-server-64g", "sapphire-rapids-server", ...AZURE].sort());
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
      assert.ok(["measured", "derived", "assumed", "fitted"].includes(v.kind), `${where} kind`);
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
    const platformRow = /^\| (platform|EPC|CPUs|clock) \|/;
    for (const line of t.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| name"))) {
      const cells = platformRow.test(line) ? 4 : 5;
      assert.equal(line.replace(/\\\|/g, "").split("|").length, cells + 2, `${cells} cells: ${line}`);
    }
  }
  const c = describeProfile("client-128m");
  assert.match(c, /^\| EPC \| 93\.5 MiB \(23936 pages\); section 0: 93\.5 MiB \(23936 pages\) on node 0; 1 NUMA node \| reported \| .*98041856/m);
  assert.match(c, /^\| CPUs \| 8 \| assumed \| /m);
  assert.match(c, /\| ewb \| 13000 \| cycles \| derived \|/);
  assert.match(c, /= 38950 cycles, 97% of the verified anchor: VAULT/);
  const i = describeProfile("icelake-server");
  assert.match(i, /\| ewb \| 9000 \| cycles \| assumed \|/);
  assert.match(i, /\| clockGhz \| 2.6 \| GHz \| assumed \|/);
  assert.match(i, /not anchored on this platform/);
});

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const epcOf = (name: string): number => costProfiles[name]!.platform.epc.sections.reduce((n, x) => n + x.size, 0);

test("each platform's EPC, NUMA nodes and CPUs are the published figures, each with its source", () => {
  assert.equal(epcOf("client-128m"), 98_041_856, "the device plugin's sgx.intel.com/epc");
  assert.equal(epcOf("client-128m") / 4096, 23_936);
  assert.equal(costProfiles["client-128m"]!.platform.cpus.value, 8, "4 cores / 8 threads");
  for (const [name, perSocket] of [["icelake-server", 8 * GiB], ["icelake-server-64g", 64 * GiB]] as const) {
    const e = costProfiles[name]!.platform.epc;
    assert.equal(e.numaNodes, 2, name);
    assert.deepEqual(e.sections, [{ size: perSocket, node: 0 }, { size: perSocket, node: 1 }], name);
    assert.match(e.source, /set in the BIOS/);
  }
  assert.equal(costProfiles["sapphire-rapids-server"]!.platform.epc.numaNodes, 2);
  const v2: [string, number, number][] = [["azure-dc1s-v2", 28, 1], ["azure-dc2s-v2", 56, 2], ["azure-dc4s-v2", 112, 4], ["azure-dc8-v2", 168, 8]];
  for (const [name, mib, cpus] of v2) {
    assert.equal(epcOf(name), mib * MiB, name);
    assert.equal(costProfiles[name]!.platform.cpus.value, cpus, name);
    assert.match(costProfiles[name]!.platform.epc.source, /dcv2-series/);
  }
  const v3: [number, number][] = [[1, 4], [2, 8], [4, 16], [8, 32], [16, 64], [24, 128], [32, 192], [48, 256]];
  for (const [cores, gib] of v3) {
    const name = `azure-dc${cores}s-v3`;
    assert.equal(epcOf(name), gib * GiB, name);
    assert.equal(costProfiles[name]!.platform.cpus.value, cores, name);
    assert.equal(costProfiles[name]!.params.clockGhz.value, 2.8, "the documented all-core clock");
    assert.match(costProfiles[name]!.platform.epc.source, /dcv3-series/);
  }
  for (const name of costProfileNames) {
    const pl = costProfiles[name]!.platform;
    assert.ok(pl.epc.sections.length >= 1 && pl.epc.sections.length <= 8, name);
    for (const x of pl.epc.sections) assert.ok(x.size > 0 && x.size % 4096 === 0 && x.node < pl.epc.numaNodes, name);
    for (const f of [pl.epc, pl.cpus]) {
      assert.ok(["documented", "reported", "assumed"].includes(f.kind), name);
      assert.ok(f.source.length > 20, `${name}: a source`);
      if (f.kind === "assumed") assert.match(f.source, /assumed/, `${name}: an assumption says so`);
    }
  }
});

test("profiles answer to their aliases, case-insensitively; costs resolve through them", () => {
  assert.equal(profileName("Standard_DC4s_v3"), "azure-dc4s-v3");
  assert.equal(profileName("standard_dc4ds_v3"), "azure-dc4s-v3");
  assert.equal(profileName("Standard_DC8_v2"), "azure-dc8-v2");
  assert.equal(profileName("CLIENT-128M"), "client-128m");
  assert.equal(profileName("Standard_DC3s_v2"), undefined);
  assert.equal(resolveCosts("Standard_DC2s_v3").profile, "azure-dc2s-v3");
  assert.equal(resolveCosts("azure-dc2s-v2").ewb, Math.round(13_000 / 3.7), "the client's MEE costs at the E-2288G clock");
});

test("listProfiles prints one line per profile with EPC, sections/NUMA, CPUs and clock", () => {
  const lines = listProfiles().split("\n");
  assert.equal(lines.length, costProfileNames.length + 1);
  assert.match(lines[0] ?? "", /^name +EPC +sections\/NUMA +CPUs +clock +description$/);
  assert.match(listProfiles(), /^client-128m +93\.5 MiB \(23936 pages\) +1 section \/ 1 node +8 CPUs +3 GHz +Client/m);
  assert.match(listProfiles(), /^icelake-server +16 GiB +2 sections \/ 2 nodes +64 CPUs +2\.6 GHz /m);
  assert.match(listProfiles(), /^azure-dc48s-v3 +256 GiB +1 section \/ 1 node +48 CPUs +2\.8 GHz /m);
});

test("resolved costs are a fast-properties object, so the hot paths' cost reads are not hash lookups", () => {
  // V8 natives are enabled for this one check; the flag affects only functions compiled after it
  setFlagsFromString("--allow-natives-syntax");
  const hasFastProperties = new Function("o", "return %HasFastProperties(o);") as (o: object) => boolean;
  assert.equal(hasFastProperties({ ...{ a: 1 } }), true);
  for (const name of costProfileNames) assert.equal(hasFastProperties(resolveCosts(name, { ewb: 1 })), true, name);
});
