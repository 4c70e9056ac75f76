// The human-readable summary printed by `epcsim run` without --json.
import type { SimSummary } from "../engine/summary.js";
import { explainCause, type ProcessCause } from "../engine/cause.js";
import type { Paging } from "../kernel/paging-accounts.js";

export function formatNs(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(3)} µs`;
  return `${ns} ns`;
}

function mib(pages: number): string {
  return `${((pages * 4096) / 1048576).toFixed(1)} MiB`;
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

const PAGING_HEADER = ["faults", "NOPAGE retries", "ELDU", "EWB pages", "EAUG", "SIGBUS", "charge failures", "reclaimed from", "EPC now", "EPC peak"];

function pagingCells(p: Paging, epc: { epc: number; epcPeak: number }): string[] {
  return [p.faults, p.nopageRetries, p.eldu, p.ewbPages, p.eaug, p.sigbus, p.chargeFailures, p.reclaimedFrom].map(String).concat([mib(epc.epc / 4096), mib(epc.epcPeak / 4096)]);
}

/** paging per cgroup and per process: attributed by the simulator, which the headings say */
function pagingTables(s: SimSummary): string[] {
  const lines: string[] = [];
  const cgroups = Object.entries(s.cgroups);
  if (cgroups.length > 1) {
    lines.push(`paging per cgroup (with its descendants; attributed by epcsim${s.kernel === "mainline" ? ", as mainline has no sgx_epc" : ""}; "reclaimed from" = pages taken off its LRU)`);
    lines.push(table([["  cgroup", ...PAGING_HEADER], ...cgroups.map(([path, c]) => [`  ${path}`, ...pagingCells(c.paging, c.attributed)])]));
  }
  lines.push("paging per process (attributed by epcsim)");
  lines.push(table([["  process", ...PAGING_HEADER], ...s.processes.map((p) => [`  ${p.name}`, ...pagingCells(p.paging, p.attributed)])]));
  return lines;
}

export function formatSummary(s: SimSummary): string {
  const lines: string[] = [];
  lines.push(`epcsim: ${s.scenario} — kernel ${s.kernel}, seed ${s.seed}, profile ${s.profile}`);
  lines.push(`simulated time ${formatNs(s.simulatedNs)} in ${s.events} events`);
  lines.push("");
  lines.push("processes");
  const rows = [["  name", "cgroup", "exit", "signal", "error", "ended at"]];
  for (const p of s.processes) {
    rows.push([
      `  ${p.name}`,
      p.cgroup,
      p.exitCode === null ? "-" : String(p.exitCode),
      p.signal ?? "-",
      p.error === null ? "-" : `${p.error.op}: ${p.error.errno}`,
      p.endNs === null ? (p.startNs === null ? "not started" : "running") : formatNs(p.endNs),
    ]);
  }
  lines.push(table(rows));
  const ended = s.processes.filter((p) => p.cause !== null);
  if (ended.length > 0) {
    lines.push("");
    lines.push("what ended them (at the cause)");
    lines.push(table(ended.map((p) => [`  ${p.name}`, formatNs((p.cause as ProcessCause).atNs), explainCause(p.cause as ProcessCause)])));
  }
  if (s.replay !== undefined) {
    lines.push("");
    lines.push(`replay: ${s.replay.requests} requests, ${s.replay.misses} misses (ELDU or EAUG needed), miss ratio ${s.replay.missRatio.toFixed(4)}`);
    const traced = s.processes.filter((p) => p.replay !== undefined);
    if (traced.length > 1 || (traced[0]?.replay?.tenant ?? "") !== "") {
      const rows = [["  process", "tenant", "requests", "misses", "miss ratio"]];
      for (const p of traced) {
        const r = p.replay as NonNullable<typeof p.replay>;
        rows.push([`  ${p.name}`, r.tenant === "" ? "-" : r.tenant, String(r.requests), String(r.misses), r.missRatio.toFixed(4)]);
      }
      lines.push(table(rows));
    }
  }
  lines.push("");
  const c = s.counters;
  lines.push("ENCLS");
  lines.push(
    table([
      ["  ECREATE", String(c.ECREATE), "EADD", String(c.EADD), "EEXTEND", String(c.EEXTEND), "EINIT", String(c.EINIT)],
      ["  EREMOVE", String(c.EREMOVE), "EPA", String(c.EPA), "EBLOCK", String(c.EBLOCK), "ETRACK", String(c.ETRACK)],
      ["  EWB", String(c.EWB), "ELDU", String(c.ELDU), "EAUG", String(c.EAUG), "EMODPR", String(c.EMODPR)],
      ["  EMODT", String(c.EMODT)],
    ]),
  );
  lines.push("");
  lines.push("paging");
  lines.push(
    table([
      ["  faults", String(c.faults), "retries (NOPAGE)", String(c.faultRetries), "SIGBUS", String(c.sigbus)],
      ["  reclaim batches", String(c.reclaimBatches), "by ksgxd", String(c.ksgxdBatches), "direct", String(c.directReclaimBatches), "by work items", String(c.workBatches)],
      ["  pages written back", String(c.pagesReclaimed), "skipped young", String(c.pagesSkippedYoung), "SECS evicted", String(c.secsEvicted)],
      ["  IPI rounds", String(c.ipi), "CPUs interrupted", String(c.ipiCpus), "ksgxd wake-ups", String(c.ksgxdWakeups)],
    ]),
  );
  lines.push("");
  const e = s.epc;
  lines.push(`EPC at the end: ${e.totalPages} pages (${mib(e.totalPages)}), free counter ${e.freePages}, on free lists ${e.freeListPages}`);
  lines.push(
    `  in use: ${e.enclavePages} enclave, ${e.secsPages} SECS, ${e.vaPages} VA, ${e.vepcPages} vEPC; poisoned ${e.poisonedPages}, leaked ${e.leakedPages}; swapped out ${e.swappedOutPages}`,
  );
  const cgroups = Object.entries(s.cgroups);
  if (s.kernel !== "mainline" || cgroups.length > 1) {
    lines.push("");
    lines.push("cgroups at the end (sgx_epc bytes; memory bytes)");
    const rows = [["  cgroup", "misc.current", "misc.peak", "misc.max", "misc.events", "memory.current", "memory.max", "oom_kill"]];
    for (const [path, c] of cgroups) {
      rows.push([
        `  ${path}`,
        String(c.current),
        String(c.peak),
        c.max === null ? "max" : String(c.max),
        String(c.events),
        String(c.memory.current),
        c.memory.max === null ? "max" : String(c.memory.max),
        String(c.memory.events.oomKill),
      ]);
    }
    lines.push(table(rows));
  }
  lines.push("");
  lines.push(...pagingTables(s));
  if (s.fileOps.length > 0) {
    lines.push("");
    lines.push("cgroup file operations");
    const shown = s.fileOps.slice(0, 50);
    const oneLine = (t: string): string => JSON.stringify(t.length > 60 ? `${t.slice(0, 57)}...` : t);
    lines.push(
      table(
        shown.map((o) => [
          `  ${formatNs(o.atNs)}`,
          o.op,
          o.path,
          o.value === undefined ? "" : oneLine(o.value),
          o.result === "ok" ? "ok" : `FAILED ${o.result}`,
          o.text === undefined ? "" : oneLine(o.text),
        ]),
      ),
    );
    if (s.fileOps.length > shown.length) lines.push(`  ... and ${s.fileOps.length - shown.length} more (see --json)`);
  }
  for (const o of s.oom)
    lines.push(`EPC OOM (v5): took the EPC of ${o.victim} in ${o.cgroup} at ${formatNs(o.at)} (${o.trigger})${o.kill ? "" : `; ${o.victim} had ${o.victimState === "exited" ? "already exited" : "already begun to exit"}: not a kill`}`);
  for (const k of s.memcgOomKills) lines.push(`memcg OOM: killed ${k.victim} in ${k.cgroup} at ${formatNs(k.atNs)} (${k.trigger})`);
  if (s.livelock !== null) {
    const l = s.livelock;
    lines.push(
      l.operation === "page fault" || l.operation === "vEPC fault"
        ? `LIVELOCK: the run stopped at ${formatNs(l.atNs)}: thread ${l.thread} (cgroup ${l.cgroup}) faulted on page ${l.page} ${l.faultRetries} times in a row without it becoming present; the kernel would retry forever (options.livelockRetries)`
        : `LIVELOCK: the run stopped at ${formatNs(l.atNs)}: thread ${l.thread} (cgroup ${l.cgroup}) retried ${l.operation} at page ${l.page} ${l.faultRetries} times in a row without progress; the retry loop would never end (options.livelockRetries)`,
    );
  }
  if (s.kernelBug !== null) {
    const b = s.kernelBug;
    lines.push(`KERNEL BUG: the run stopped at ${formatNs(b.atNs)}: the kernel oopses in ${b.function}() (${b.process}, thread ${b.thread}): ${b.what}`);
  }
  const inv = s.invariants;
  if (inv.checked > 0) {
    lines.push(`invariants: checked ${inv.checked} times, ${inv.violations.length} violations`);
    for (const v of inv.violations.slice(0, 10)) lines.push(`  at ${formatNs(v.atNs)}: ${v.message}`);
  }
  return lines.join("\n");
}
