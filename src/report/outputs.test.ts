// Every output file of a recorded run, parsed and checked against the run's summary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { parseScenarioText } from "../scenario/load.js";
import { simulateRecorded, writeRunOutputs } from "./outputs.js";
import { INTERVAL_COUNTERS } from "./recorder.js";
import { checkTrace } from "./trace.js";
import type { SimSummary } from "../engine/summary.js";
import type { Paging as PagingSummary } from "../kernel/paging-accounts.js";

const SCENARIO = `
kernel: v5
seed: 3
machine: { epc: 4MiB, cpus: 4 }
cgroups:
  /t: { cgroup.subtree_control: "+misc +memory" }
  /t/a: { misc.max: "sgx_epc 1048576" }
  /t/b: { misc.max: "sgx_epc 524288", memory.max: 768K }
processes:
  - name: a
    cgroup: /t/a
    replicas: 2
    program:
      enclave: { size: 4MiB, add: 2MiB, measure: false }
      # within the limit, then paused while it drops, so that the v5 work (not a refused fault) meets the overrun
      access: { phases: [ { pattern: uniform, pages: 256KiB, count: 2000 }, { idle: 10ms }, { pattern: uniform, pages: 2MiB, count: 2000 } ] }
  - name: b
    cgroup: /t/b
    memory: 700KiB
    program:
      enclave: { size: 2MiB, add: 1MiB, measure: false }
      access: { pattern: sequential, pages: 1MiB, count: 3000 }
events:
  - { at: 2ms, read: /t/a/misc.current }
  - { at: 8ms, write: { path: /t/a/misc.max, value: "sgx_epc 12288" } }
  - { at: 12ms, kill: "a[1]", signal: SIGTERM }
`;

async function recorded(): Promise<{ dir: string; summary: SimSummary }> {
  const scenario = parseScenarioText(SCENARIO, "outputs.yaml");
  const { summary, recorder } = simulateRecorded(scenario, { sampleIntervalNs: 250_000, checkInvariants: true });
  assert.deepEqual(summary.invariants.violations, []);
  const dir = mkdtempSync(join(tmpdir(), "epcsim-outputs-"));
  await writeRunOutputs(dir, { label: "outputs", scenario, scenarioText: SCENARIO, summary, recorder });
  return { dir, summary };
}

test("--out files: the time series sums to the counters, events.jsonl matches the processes, trace.json is well-formed", async () => {
  const { dir, summary } = await recorded();
  assert.deepEqual(readdirSync(dir).sort(), ["events.jsonl", "report.html", "summary.json", "timeseries.csv", "trace.json"]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")), JSON.parse(JSON.stringify(summary)));

  // timeseries.csv
  const rows = parse(readFileSync(join(dir, "timeseries.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  assert.ok(rows.length >= 4, `${rows.length} rows`);
  const times = rows.map((r) => Number(r.time_ns));
  times.forEach((t, i) => i > 0 && assert.ok(t > (times[i - 1] as number), "time increases"));
  for (const t of times.slice(0, -1)) assert.equal(t % 250_000, 0, "rows at interval boundaries");
  assert.equal(times.at(-1), Math.max(...times));
  const counters = summary.counters as unknown as Record<string, number>;
  const sum = (col: string): number => rows.reduce((n, r) => n + Number(r[col]), 0);
  for (const [col, key] of INTERVAL_COUNTERS) {
    const sum = rows.reduce((n, r) => n + Number(r[col]), 0);
    assert.equal(sum, counters[key], `sum of ${col} = counters.${key}`);
  }
  assert.ok(counters.EWB && counters.EWB > 0 && counters.oomKills && counters.oomKills > 0 && counters.memcgOomKills === 1, "the scenario pages, OOM-kills and memcg-kills");
  const batches = rows.reduce((n, r) => n + Number(r.ksgxd_batches) + Number(r.work_batches) + Number(r.direct_batches), 0);
  assert.equal(batches, summary.counters.reclaimBatches);
  // the summary's batches by who ran them add up, and each kind matches its column
  const c = summary.counters;
  assert.equal(c.ksgxdBatches + c.workBatches + c.directReclaimBatches, c.reclaimBatches);
  assert.ok(c.workBatches > 0 && c.directReclaimBatches + c.ksgxdBatches >= 0);
  assert.deepEqual([sum("ksgxd_batches"), sum("work_batches"), sum("direct_batches")], [c.ksgxdBatches, c.workBatches, c.directReclaimBatches]);
  // the last row shows the final cgroup usage and limits
  const last = rows.at(-1) as Record<string, string>;
  assert.equal(Number(last["misc.current:/t/a"]), summary.cgroups["/t/a"]?.current);
  assert.equal(last["misc.max:/t/a"], "12288");
  assert.equal(last["misc.max:/"], "");
  assert.ok(rows.some((r) => Number(r["memory.current:/t/b"]) > 0), "backing store charged to /t/b at some point");
  assert.equal(last["memory.max:/t/b"], "786432");
  assert.equal(last["memory.max:/t/a"], "");

  // every per-interval column sums to its counter: the global ones to summary.counters, the
  // per-cgroup ones to the cgroup's summary `paging`; the rest are levels at the row's time
  const pagingKey: Record<string, keyof PagingSummary> = { faults: "faults", eldu: "eldu", ewb_pages: "ewbPages", charge_failures: "chargeFailures" };
  const batchKey: Record<string, string> = { ksgxd_batches: "ksgxdBatches", work_batches: "workBatches", direct_batches: "directReclaimBatches" };
  const levels = /^(time_ns|free_pages|misc\.current:.*|misc\.max:.*|memory\.current:.*|memory\.max:.*|epc\.attributed:.*)$/;
  const intervalKey = new Map<string, string>(INTERVAL_COUNTERS.map(([col, key]) => [col, key]));
  let checked = 0;
  for (const col of Object.keys(rows[0] as Record<string, string>)) {
    if (levels.test(col)) continue;
    const key = intervalKey.get(col) ?? batchKey[col];
    const m = /^([a-z_]+):(.*)$/.exec(col);
    if (key !== undefined) assert.equal(sum(col), counters[key], `sum of ${col} = counters.${key}`);
    else if (m !== null && pagingKey[m[1] as string] !== undefined) {
      const cg = summary.cgroups[m[2] as string];
      assert.ok(cg !== undefined, `${col}: the cgroup exists at the end`);
      assert.equal(sum(col), cg.paging[pagingKey[m[1] as string] as keyof PagingSummary], `sum of ${col} = cgroups["${m[2]}"].paging`);
    } else assert.fail(`timeseries.csv column ${col} is neither a level nor a count with a counter to check`);
    checked++;
  }
  assert.ok(checked >= INTERVAL_COUNTERS.length + 3 + 4 * 4, `${checked} per-interval columns checked`);
  // the root counts everything; a parent counts its children; the processes make up the total
  const root = summary.cgroups["/"]?.paging as PagingSummary;
  assert.deepEqual(
    [root.faults, root.nopageRetries, root.eldu, root.ewbPages, root.eaug, root.sigbus, root.chargeFailures],
    [c.faults, c.faultRetries, c.ELDU, c.pagesReclaimed, c.EAUG, c.sigbus, c.chargeFailures],
  );
  for (const f of ["faults", "eldu", "ewbPages", "reclaimedFrom", "chargeFailures"] as const) {
    const t = summary.cgroups["/t"]?.paging[f] as number;
    assert.equal(t, (summary.cgroups["/t/a"]?.paging[f] as number) + (summary.cgroups["/t/b"]?.paging[f] as number), `/t's ${f}`);
    assert.equal(summary.processes.reduce((n, p) => n + p.paging[f], 0), root[f], `the processes' ${f}`);
  }
  assert.ok(root.ewbPages > 0 && (summary.cgroups["/t/a"]?.paging.eldu as number) > 0 && (summary.cgroups["/t/b"]?.paging.ewbPages as number) > 0 && root.reclaimedFrom >= root.ewbPages);

  // events.jsonl
  const events = readFileSync(join(dir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  events.forEach((e, i) => i > 0 && assert.ok((e.atNs as number) >= ((events[i - 1] as Record<string, unknown>).atNs as number)));
  const exits = events.filter((e) => e.type === "process-exit");
  assert.equal(exits.length, summary.processes.length);
  for (const p of summary.processes) {
    const e = exits.find((x) => x.process === p.name);
    assert.ok(e !== undefined, p.name);
    assert.equal(e.exitCode, p.exitCode);
    assert.equal(e.signal, p.signal);
    assert.equal(e.atNs, p.endNs);
    assert.equal(e.errno, p.error?.errno ?? null);
    assert.deepEqual(e.cause, JSON.parse(JSON.stringify(p.cause)), `${p.name}: the exit's cause`);
  }
  assert.equal(events.filter((e) => e.type === "process-start").length, summary.processes.length);
  assert.deepEqual(
    events.filter((e) => e.type === "oom-victim").map((e) => [e.atNs, e.cgroup, e.victim, e.victimPid, e.victimState, e.kill]),
    summary.oom.map((o) => [o.at, o.cgroup, o.victim, o.victimPid, o.victimState, o.kill]),
  );
  assert.deepEqual(
    events.filter((e) => e.type === "memcg-oom-kill").map((e) => [e.atNs, e.victim, e.trigger]),
    summary.memcgOomKills.map((k) => [k.atNs, k.victim, k.trigger]),
  );
  assert.equal(events.filter((e) => e.type === "charge-failure").length, summary.counters.chargeFailures);
  assert.equal(events.filter((e) => e.type === "reclaim-batch").length, summary.counters.reclaimBatches);
  assert.equal(
    events.filter((e) => e.type === "reclaim-batch").reduce((n, e) => n + (e.written as number), 0),
    summary.counters.pagesReclaimed,
    "pages written back by the batches",
  );
  assert.deepEqual(
    events.filter((e) => e.type === "file-op").map((e) => [e.path, e.result]),
    summary.fileOps.map((o) => [o.path, o.result]),
  );

  // trace.json
  const trace = JSON.parse(readFileSync(join(dir, "trace.json"), "utf8")) as { traceEvents: Record<string, unknown>[] };
  assert.deepEqual(checkTrace(trace), []);
  const names = new Set(trace.traceEvents.filter((e) => e.ph === "B").map((e) => e.name));
  for (const n of ["SGX_IOC_ENCLAVE_CREATE", "SGX_IOC_ENCLAVE_ADD_PAGES", "page fault", "reclaim batch", "work item"]) assert.ok(names.has(n), n);
  const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => (e.args as { name: string }).name);
  assert.ok(threads.includes("a[0]/0") && threads.some((t) => t.startsWith("kworker")), threads.join(", "));
  assert.ok(trace.traceEvents.some((e) => e.ph === "C" && e.name === "free EPC pages"));
  // the kernel is a process of its own, after the user processes, holding ksgxd, the kworkers and the counters
  const kernel = trace.traceEvents.find((e) => e.ph === "M" && e.name === "process_name" && (e.args as { name: string }).name === "kernel");
  assert.ok(kernel !== undefined && (kernel.pid as number) > summary.processes.length, "the kernel's pid follows the processes'");
  const kworkers = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name" && (e.args as { name: string }).name.startsWith("kworker"));
  assert.ok(kworkers.length > 0 && kworkers.every((e) => e.pid === kernel.pid));
  assert.ok(trace.traceEvents.filter((e) => e.ph === "C").every((e) => e.pid === kernel.pid));
});

test("the trace check finds unmatched ends, missing fields and time going back", () => {
  assert.deepEqual(checkTrace({ traceEvents: [] }), []);
  assert.ok(checkTrace({}).length > 0);
  const bad = {
    traceEvents: [
      { name: "x", ph: "B", ts: 5, pid: 1, tid: 1 },
      { name: "x", ph: "E", ts: 4, pid: 1, tid: 1 },
      { name: "y", ph: "E", ts: 6, pid: 1, tid: 2 },
      { name: "z", ph: "B", pid: 1, tid: 3 },
      { name: "c", ph: "C", ts: 1, pid: 0, args: { v: "high" } },
      { name: "w", ph: "B", ts: 1, pid: 1, tid: 4 },
    ],
  };
  const problems = checkTrace(bad).join("\n");
  assert.match(problems, /goes back/);
  assert.match(problems, /E without a matching B/);
  assert.match(problems, /ts must be/);
  assert.match(problems, /numeric args/);
  assert.match(problems, /1 B without E/);
  assert.match(problems, /pid 0 is the idle task/);
  const shared = checkTrace({
    traceEvents: [
      { name: "x", ph: "B", ts: 1, pid: 1, tid: 2 },
      { name: "x", ph: "E", ts: 2, pid: 1, tid: 2 },
      { name: "y", ph: "B", ts: 1, pid: 3, tid: 2 },
      { name: "y", ph: "E", ts: 2, pid: 3, tid: 2 },
      { name: "z", ph: "B", ts: 1, pid: 3, tid: 1 },
      { name: "z", ph: "E", ts: 2, pid: 3, tid: 1 },
    ],
  }).join("\n");
  assert.match(shared, /tid 2 is in process 3 and in process 1/);
  assert.match(shared, /tid 1 of process 3 is also a process id/);
});

test("recording does not change the simulation: the summary equals an unobserved run's", async () => {
  const { simulate } = await import("../programs/run.js");
  const scenario = parseScenarioText(SCENARIO, "outputs.yaml");
  const plain = simulate(scenario);
  const { summary } = simulateRecorded(parseScenarioText(SCENARIO, "outputs.yaml"), { sampleIntervalNs: 100_000 });
  assert.deepEqual(summary, plain);
});
