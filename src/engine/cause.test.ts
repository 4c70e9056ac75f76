// What ended a process is reported at its cause, in the summary, events.jsonl, the text summary, the
// compare table and the report: the refused charge (level, limit or capacity, nothing to reclaim),
// the v5 OOM selection, the memcg kill; an OOM pick of a process already dead is not a kill.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseScenarioText } from "../scenario/load.js";
import { simulateRecorded, type RecordedRun } from "../report/outputs.js";
import { formatEventsJsonl } from "../report/events.js";
import { processOutcome } from "../report/charts.js";
import { renderReportHtml } from "../report/html.js";
import { compareRows } from "../cli/compare.js";
import { formatSummary } from "../cli/format.js";
import { createSimulator } from "../programs/run.js";
import type { Process } from "./process.js";
import type { Encl } from "../kernel/encl.js";

// p's enclave outlives p in its forked child. At 10 ms the limit drops to 2 pages: the work reclaims
// everything but the VA page (target: 1 page), so no OOM. When p resumes, its SECS reload fits, its
// page does not, and nothing is reclaimable: its own ENOMEM, SIGBUS. At 50 ms the limit drops to 1
// page: the work finds p's VA and SECS over the target, nothing to reclaim, and the OOM path picks
// p's enclave (the child keeps it alive) although p exited 18 ms before.
const DIED_FIRST = `
kernel: v5
seed: 1
machine: { epc: 8MiB, cpus: 2 }
cgroups:
  /t: { misc.max: "sgx_epc 4194304" }
processes:
  - name: p
    cgroup: /t
    program:
      steps:
        - create: { size: 1MiB }
        - addPages: { offset: 0, length: 1020KiB, perm: rw, measure: false }
        - addPages: { offset: 1020KiB, length: 4KiB, type: tcs, measure: false }
        - init: {}
        - mmap: {}
        - fork: { hold: 200ms }
        - run: { threads: 1, access: { phases: [ { pattern: sequential, pages: 1020KiB, count: 255 }, { idle: 30ms }, { pattern: uniform, pages: 1020KiB, count: 100 } ] } }
        - exit: 0
events:
  - { at: 10ms, write: { path: /t/misc.max, value: "sgx_epc 8192" } }
  - { at: 50ms, write: { path: /t/misc.max, value: "sgx_epc 4096" } }
`;

function record(text: string, label: string): RecordedRun {
  const scenario = parseScenarioText(text, `${label}.yaml`);
  const { summary, recorder } = simulateRecorded(scenario, { sampleIntervalNs: 1_000_000 });
  return { label, scenario, scenarioText: text, summary, recorder };
}

const lines = (run: RecordedRun): Record<string, unknown>[] =>
  formatEventsJsonl(run.recorder)
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("an OOM pick of an enclave whose process had died of its own ENOMEM is reported as such, not as a kill", async () => {
  const run = record(DIED_FIRST, "died-first");
  const s = run.summary;
  const p = s.processes.find((x) => x.name === "p");
  assert.equal(p?.signal, "SIGBUS");
  // the cause: its own charge, refused by /t's misc.max with nothing to reclaim
  const cause = p?.cause;
  assert.ok(cause?.kind === "charge-refused", JSON.stringify(cause));
  assert.deepEqual(
    { op: cause.op, cgroup: cause.cgroup, failedAt: cause.failedAt, refusedBy: cause.refusedBy, limitBytes: cause.limitBytes, nothingToReclaim: cause.nothingToReclaim, errno: cause.errno },
    { op: "page fault", cgroup: "/t", failedAt: "/t", refusedBy: "misc.max", limitBytes: 8192, nothingToReclaim: true, errno: "ENOMEM" },
  );
  // the OOM pick came later, of an exited process: reported, not counted
  assert.equal(s.oom.length, 1);
  const pick = s.oom[0];
  assert.ok(pick !== undefined && pick.at > (p?.endNs ?? Infinity), "the pick is after p's exit");
  assert.deepEqual([pick.victim, pick.victimPid, pick.victimState, pick.kill], ["p", 1, "exited", false]);
  assert.equal(s.counters.oomKills, 0);
  assert.equal(compareRows([s]).find((r) => r.what === "EPC OOM kills")?.values[0], "0");
  assert.equal(compareRows([s]).find((r) => r.what === "EPC OOM picks of dead processes")?.values[0], "1");
  // labels: never "EPC OOM victim"
  const outcome = processOutcome(run, "p");
  assert.ok(!outcome.includes("EPC OOM"), outcome);
  assert.match(outcome, /SIGBUS \(own charge refused: ENOMEM\)/);
  const text = formatSummary(s);
  assert.match(text, /p had already exited: not a kill/);
  assert.match(text, /p {2}31\.506 ms {2}own charge refused: ENOMEM — \/t's misc\.max \(8 KiB\) refused p\/0's charge in a page fault; nothing to reclaim in \/t's subtree$/m);
  const html = await renderReportHtml({ title: "died first", variants: [run] });
  assert.ok(!html.includes("EPC OOM victim"), "no victim label in the report");
  assert.ok(html.includes("EPC OOM pick (already dead)"), "the timeline marks the pick apart");
  assert.ok(html.includes("EPC OOM pick, no kill"), "the events table says so");
  assert.ok(html.includes("own charge refused: ENOMEM"), "the timeline marks the refused charge");
  // events.jsonl: the same facts, at their times
  const ev = lines(run);
  const refused = ev.find((e) => e.type === "charge-failure" && e.result === "ENOMEM");
  assert.deepEqual(
    refused && [refused.atNs, refused.task, refused.failedAt, refused.refusedBy, refused.limitBytes, refused.nothingToReclaim],
    [cause.atNs, "p/0", "/t", "misc.max", 8192, true],
  );
  const exit = ev.find((e) => e.type === "process-exit" && e.process === "p");
  assert.deepEqual(exit?.cause, JSON.parse(JSON.stringify(cause)));
  const victim = ev.find((e) => e.type === "oom-victim");
  assert.deepEqual(victim && [victim.atNs, victim.victim, victim.victimPid, victim.victimState, victim.kill], [pick.at, "p", 1, "exited", false]);
});

test("a refused charge names what refused it: the capacity (checked at every level, so the first one fails) or a level's misc.max", () => {
  const text = (limit: string): string => `
kernel: v17
machine: { epc: 1MiB, cpus: 1 }
cgroups:
  /a: { misc.max: "${limit}" }
processes:
  - name: big
    cgroup: /a
    program: { enclave: { size: 4MiB, add: 2MiB, measure: false }, access: { pattern: sequential, pages: 2MiB, count: 512 } }
`;
  const byCapacity = lines(record(text("sgx_epc max"), "capacity")).filter((e) => e.type === "charge-failure");
  assert.ok(byCapacity.length > 0);
  for (const e of byCapacity) assert.deepEqual([e.failedAt, e.refusedBy, e.limitBytes], ["/a", "misc.capacity", 1048576]);
  const byLimit = lines(record(text("sgx_epc 524288"), "limit")).filter((e) => e.type === "charge-failure");
  assert.ok(byLimit.length > 0);
  for (const e of byLimit) assert.deepEqual([e.failedAt, e.refusedBy, e.limitBytes], ["/a", "misc.max", 524288]);
  assert.ok(byLimit.every((e) => e.nothingToReclaim === false && e.result === "EBUSY"), "the subtree always had pages to reclaim: retries");
});

test("a memcg OOM kill is marked at the kill with whose charge triggered it", () => {
  const run = record(
    `
kernel: v17
machine: { epc: 4MiB, cpus: 2 }
cgroups:
  /t: { cgroup.subtree_control: "+misc +memory" }
  /t/b: { misc.max: "sgx_epc 524288", memory.max: 768K }
processes:
  - name: b
    cgroup: /t/b
    memory: 700KiB
    program: { enclave: { size: 2MiB, add: 1MiB, measure: false }, access: { pattern: sequential, pages: 1MiB, count: 3000 } }
`,
    "memcg",
  );
  const kill = run.summary.memcgOomKills[0];
  assert.ok(kill !== undefined);
  assert.match(kill.trigger, /: a backing-store page$/);
  const b = run.summary.processes[0];
  assert.deepEqual(b?.cause, { kind: "memcg-oom", atNs: kill.atNs, cgroup: "/t/b", trigger: kill.trigger });
  assert.equal(processOutcome(run, "b"), "exit 137, SIGKILL (memcg OOM kill)");
  const e = lines(run).find((x) => x.type === "memcg-oom-kill");
  assert.deepEqual(e && [e.victim, e.victimPid, e.trigger], ["b", 1, kill.trigger]);
});

test("an OOM pick is a kill only while the enclave's process runs, not while it exits or after", () => {
  const sim = createSimulator(
    parseScenarioText(
      `
kernel: v5
machine: { epc: 1MiB, cpus: 1 }
processes:
  - { name: p, program: { enclave: { size: 64KiB, add: 16KiB, measure: false }, access: { pattern: sequential, pages: 16KiB, count: 4 } } }
`,
      "one.yaml",
    ),
  );
  sim.run();
  const p = sim.processes[0] as Process;
  const encl = sim.sgx.encls[0] as Encl;
  const root = sim.sgx.cgroups.root;
  const pick = (): [boolean, string | undefined] => [sim.enclaveOomKilled(encl, root, "test"), sim.epcOomKills.at(-1)?.victimState];
  assert.deepEqual(pick(), [false, "exited"]);
  p.exited = false;
  p.exiting = true;
  assert.deepEqual(pick(), [false, "exiting"], "a fatal signal of its own came first");
  p.exiting = false;
  assert.deepEqual(pick(), [true, "running"]);
  assert.deepEqual(
    sim.epcOomKills.map((o) => [o.victim, o.victimPid, o.kill]),
    [
      ["p", 1, false],
      ["p", 1, false],
      ["p", 1, true],
    ],
  );
});

test("an ioctl's ENOMEM from a refused charge names the refusal; the bar says so", () => {
  const run = record(
    `
kernel: v5
machine: { epc: 1MiB, cpus: 1 }
cgroups:
  /a: { misc.max: "sgx_epc 8192" }
processes:
  - name: q
    cgroup: /a
    program: { steps: [ { create: { size: 64KiB } }, { addPages: { offset: 0, length: 16KiB, measure: false } } ] }
`,
    "ioctl",
  );
  const q = run.summary.processes[0];
  assert.deepEqual(q?.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "ENOMEM" });
  const c = q?.cause;
  assert.ok(c?.kind === "charge-refused", JSON.stringify(c));
  assert.deepEqual([c.op, c.failedAt, c.refusedBy, c.limitBytes, c.nothingToReclaim], ["SGX_IOC_ENCLAVE_ADD_PAGES", "/a", "misc.max", 8192, true], "the SECS and the VA page fill the limit");
  assert.equal(processOutcome(run, "q"), "exit 1: ADD_PAGES → ENOMEM (charge refused)");
});
