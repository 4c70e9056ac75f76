import { test } from "node:test";
import assert from "node:assert/strict";
import { oracleBytes, traceDir } from "../testing/trace-files.js";
import { createSimulator } from "../programs/run.js";
import { replayScenario, ReplayUsageError } from "./replay.js";

const files = traceDir();

test("replay: --cgroup PATH puts the one unnamed tenant of a trace without --tenant-column in PATH, where --limit PATH=SIZE holds it", () => {
  // 40 distinct pages, twice over, in a cgroup limited to 32 pages: it pages inside its limit
  const ids = [...Array.from({ length: 40 }, (_, i) => i), ...Array.from({ length: 40 }, (_, i) => i)];
  const f = files.file("one.oracleGeneral", oracleBytes(ids.map((id) => ({ id }))));
  const { scenario } = replayScenario(f, { kernel: "v17", epc: "1MiB", cgroup: ["/r"], limit: [`/r=${32 * 4096}`] });
  assert.deepEqual(
    scenario.processes.map((p) => p.cgroup),
    ["/r"],
  );
  const s = createSimulator(scenario).run();
  const r = s.cgroups["/r"];
  assert.ok(r !== undefined, "the cgroup is in the summary");
  assert.ok(r.peak <= 32 * 4096, `misc.peak ${r.peak} stays within the limit`);
  assert.ok(r.paging.ewbPages > 0, "it pages inside its own limit");
  assert.equal(s.processes[0]?.exitCode, 0);
  assert.deepEqual(s.replay, { requests: 80, misses: 80, missRatio: 1 });
});

test("replay: a bare --cgroup PATH is every tenant's cgroup, a TENANT=PATH one still names its tenant's", () => {
  const f = files.file("two.csv", "page,tenant\n1,a\n2,b\n1,a\n");
  const { scenario } = replayScenario(f, { tenantColumn: true, kernel: "v17", cgroup: ["/all", "b=/b"] });
  assert.deepEqual(
    scenario.processes.map((p) => [p.name, p.cgroup]),
    [
      ["a", "/all"],
      ["b", "/b"],
    ],
  );
});

test("replay: --cgroup without a tenant and not a path is still one line of bad input", () => {
  const f = files.file("three.oracleGeneral", oracleBytes([{ id: 1 }]));
  assert.throws(() => replayScenario(f, { cgroup: ["=/r"] }), (e: Error) => e instanceof ReplayUsageError && e.message === "--cgroup =/r: expected TENANT=PATH, e.g. a=/tenants/a, or a PATH for every tenant.");
  assert.throws(() => replayScenario(f, { cgroup: ["r"] }), (e: Error) => e instanceof ReplayUsageError && e.message.startsWith("--cgroup r: expected TENANT=PATH"));
});

test("replay: --timing trace on a trace without timestamps is one line naming the flag and the file", () => {
  const f = files.file("untimed.txt", "1\n2\n");
  assert.throws(
    () => replayScenario(f, { timing: "trace" }),
    (e: Error) => e instanceof ReplayUsageError && e.message === `--timing trace: ${f} has no timestamps (expected an oracleGeneral trace, or a csv trace with a "time" column).`,
  );
  // with the flag's default the same trace replays
  assert.equal(replayScenario(f, {}).scenario.processes.length, 1);
});

test("replay: a process that dies before its trace starts still reports the replay, with 0 requests", () => {
  const f = files.file("never.txt", "1\n2\n3\n");
  // one frame of EPC: ECREATE's SECS fits, the first VA page does not
  const s = createSimulator(replayScenario(f, { epc: "4KiB" }).scenario).run();
  assert.notEqual(s.processes[0]?.exitCode, 0, "the build fails");
  assert.deepEqual(s.replay, { requests: 0, misses: 0, missRatio: 0 });
  assert.deepEqual(s.processes[0]?.replay, { tenant: "", trace: f, requests: 0, misses: 0, missRatio: 0 });
});
