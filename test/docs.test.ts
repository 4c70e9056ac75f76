// The command outputs shown in docs/*.md are what the commands print today: every line shown (a
// "..." line stands for lines left out) appears in the real output, in the same order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";
import type { SimSummary } from "../src/engine/summary.js";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const docs = join(root, "docs");

for (const name of readdirSync(docs).filter((f) => f.endsWith(".md"))) {
  const text = readFileSync(join(docs, name), "utf8");
  const blocks = [...text.matchAll(/```\n\$ npx epcsim ([^\n]*)\n([\s\S]*?)```/g)];
  blocks.forEach((m, i) => {
    const args = (m[1] ?? "").split(/\s+/).filter((a) => a !== "");
    test(`docs/${name}: the output shown for "epcsim ${args.join(" ")}" (${i + 1})`, () => {
      const r = spawnSync(process.execPath, [cli, ...args, ...(args[0] === "compare" ? ["--quiet"] : [])], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const actual = r.stdout.split("\n").map((l) => l.trimEnd());
      let at = 0;
      for (const line of (m[2] ?? "").split("\n").map((l) => l.trimEnd())) {
        if (line === "" || line === "...") continue;
        const found = actual.indexOf(line, at);
        assert.ok(found >= 0, `"${line}" is not in the output (after line ${at}):\n${r.stdout}`);
        at = found + 1;
      }
    });
  });
}

test("README: the v5 charge loop's thresholds are the code's (age ignored from the sixth fruitless round, ENOMEM at the sixth empty one)", async () => {
  const { IGNORE_AGE_THRESHOLD, OOM_THRESHOLD } = await import("../src/kernel/epc-cgroup-v5.js");
  const readme = readFileSync(join(root, "README.md"), "utf8").replace(/\s+/g, " ");
  assert.ok(readme.includes(`(\`nr_fails > ${IGNORE_AGE_THRESHOLD}\`)`), "README names the ignore-age test");
  assert.ok(readme.includes(`(\`++nr_empty > ${OOM_THRESHOLD}\`)`), "README names the empty-round test");
  assert.ok(!/after five fruitless rounds/.test(readme), "the old off-by-one wording is gone");
});

type Line = Record<string, unknown>;

/** `epcsim run FILE --out DIR --set ...`: events.jsonl, timeseries.csv rows and summary.json */
function recordRun(file: string, set: string[]): { events: Line[]; rows: Record<string, string>[]; summary: SimSummary } {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-docs-"));
  const r = spawnSync(process.execPath, [cli, "run", file, "--quiet", "--out", dir, ...set.flatMap((s) => ["--set", s])], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const events = readFileSync(join(dir, "events.jsonl"), "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
  const rows = parse(readFileSync(join(dir, "timeseries.csv"), "utf8"), { columns: true }) as Record<string, string>[];
  const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8")) as SimSummary;
  rmSync(dir, { recursive: true });
  return { events, rows, summary };
}

const DEBATE = "examples/debate-secs-only.yaml";
const exitOf = (events: Line[], name: string): Line => events.find((e) => e.type === "process-exit" && e.process === name) ?? {};
const ms = (ns: unknown): number => Math.floor((ns as number) / 1e6);

test("docs/debate-secs-only.md: who dies, of what and with which error, as the text says, in each variant's events", () => {
  const doc = readFileSync(join(docs, "debate-secs-only.md"), "utf8").replace(/\s+/g, " ");
  const claim = (text: string): void => assert.ok(doc.includes(text), `the page says "${text}"`);

  // secs+va: the OOM path chooses the sleeper, then the worker, both running; each dies of that
  const va = recordRun(DEBATE, ["policy.unreclaimableTracking=secs+va"]);
  const lowered = va.events.find((e) => e.type === "file-op" && e.value === "sgx_epc 16384");
  claim("so the sleeper is the first victim");
  claim("takes the worker's EPC too: two kills for one overrun");
  const picks = va.events.filter((e) => e.type === "oom-victim");
  assert.deepEqual(
    picks.map((e) => [e.victim, e.victimState, e.kill, e.cgroup, e.trigger]),
    [
      ["sleeper", "running", true, "/tenant", "write to /tenant/misc.max"],
      ["worker", "running", true, "/tenant", "write to /tenant/misc.max"],
    ],
  );
  assert.ok(picks.every((e) => (e.atNs as number) > (lowered?.atNs as number)), "after the limit was lowered");
  claim("no charge of theirs was ever refused: each dies with SIGBUS on its next enclave access");
  assert.equal(va.events.filter((e) => e.type === "charge-failure").length, 0);
  for (const p of picks) {
    const exit = exitOf(va.events, p.victim as string);
    assert.equal(exit.signal, "SIGBUS");
    assert.deepEqual(exit.cause, { kind: "epc-oom", atNs: p.atNs, cgroup: "/tenant", trigger: "write to /tenant/misc.max" });
    assert.ok((exit.atNs as number) > (p.atNs as number));
  }
  claim("the worker when it resumes at 75 ms, the sleeper when it wakes up at 204 ms");
  assert.deepEqual([ms(exitOf(va.events, "worker").atNs), ms(exitOf(va.events, "sleeper").atNs)], [75, 204]);
  assert.equal(va.summary.counters.sigbus, 2, "two faults answered with SIGBUS");

  // secs-only: no one is chosen; each dies of its own refused charge
  const only = recordRun(DEBATE, ["policy.unreclaimableTracking=secs-only"]);
  claim("so the OOM path sees no enclave at all and gives up");
  claim("No one is OOM-killed; each dies of its own refused charge when it next runs (ENOMEM in a fault is SIGBUS)");
  assert.equal(only.events.filter((e) => e.type === "oom-victim").length, 0);
  const refused = (name: string): Line[] => only.events.filter((e) => e.type === "charge-failure" && e.task === `${name}/0`);
  for (const name of ["worker", "sleeper"]) {
    const exit = exitOf(only.events, name);
    const last = refused(name).at(-1) ?? {};
    assert.equal(exit.signal, "SIGBUS");
    assert.deepEqual(
      [last.result, last.failedAt, last.refusedBy, last.limitBytes, last.nothingToReclaim],
      ["ENOMEM", "/tenant", "misc.max", 16384, true],
      `${name}: refused by /tenant's limit with nothing to reclaim`,
    );
    const { type: _type, result: _result, ...fields } = last;
    assert.deepEqual(exit.cause, { kind: "charge-refused", op: "page fault", errno: "ENOMEM", ...fields });
  }
  claim("the cgroup stays at its limit (the four VA pages) with two enclaves the kernel cannot find");
  const workerExit = exitOf(only.events, "worker").atNs as number;
  const lastBatch = only.events.filter((e) => e.type === "reclaim-batch" && (e.endNs as number) < workerExit).at(-1)?.endNs as number;
  const between = only.rows.filter((r) => Number(r.time_ns) > lastBatch && Number(r.time_ns) < workerExit);
  assert.ok(between.length > 10);
  for (const r of between) assert.deepEqual([r["misc.current:/tenant"], r["misc.max:/tenant"]], ["16384", "16384"]);
  claim("The worker, when it resumes, cannot have its SECS reloaded: `/tenant` is at its limit with nothing reclaimable");
  assert.equal(refused("worker").length, 1, "its first charge, the SECS reload, was refused at once");
  assert.equal(ms(workerExit), 75);
  claim("its SECS and one page come back, and its next page is refused while the work writes that one out again, with nothing left on the LRU");
  assert.equal(only.summary.counters.ELDU, 2, "the sleeper's SECS and one page");
  const fatal = refused("sleeper").at(-1) as Line;
  assert.ok(
    only.events.some((e) => e.type === "reclaim-batch" && e.reclaimer === "kworker /tenant" && e.written === 1 && (e.startNs as number) <= (fatal.atNs as number) && (fatal.atNs as number) <= (e.endNs as number)),
    "the sleeper's last charge was refused during the work's one-page batch",
  );
  assert.equal(ms(exitOf(only.events, "sleeper").atNs), 204);

  // the worker that keeps working dies of its own ENOMEM during the work's last batch, under both options
  claim("the worker dies of its own refused charge at 59 ms, during that batch; its exit frees its enclave, which leaves the sleeper's two VA pages, under the work's target, and the OOM path never runs");
  const keeps = join(mkdtempSync(join(tmpdir(), "epcsim-docs-")), "debate-keeps-working.yaml");
  const pauses = "phases: [ { pattern: uniform, pages: 3MiB, count: 20000, think: 1us }, { idle: 30ms }, { pattern: uniform, pages: 3MiB, count: 100000, think: 1us } ]";
  const example = readFileSync(join(root, DEBATE), "utf8");
  assert.ok(example.includes(pauses), "the example's worker pauses");
  writeFileSync(keeps, example.replace(pauses, "phases: [ { pattern: uniform, pages: 3MiB, count: 120000, think: 1us } ]"));
  for (const tracking of ["secs+va", "secs-only"]) {
    const k = recordRun(keeps, [`policy.unreclaimableTracking=${tracking}`]);
    const cause = exitOf(k.events, "worker").cause as Line;
    assert.equal(cause.kind, "charge-refused", tracking);
    assert.equal(ms(cause.atNs), 59);
    assert.ok(k.events.some((e) => e.type === "reclaim-batch" && e.reclaimer === "kworker /tenant" && (e.startNs as number) <= (cause.atNs as number) && (cause.atNs as number) <= (e.endNs as number)), "during the work's batch");
    assert.equal(k.events.filter((e) => e.type === "oom-victim").length, 0, `${tracking}: the OOM path never chooses`);
  }
  rmSync(dirname(keeps), { recursive: true });
});
