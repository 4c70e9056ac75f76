// The process timeline: one bar per process from start to exit, labelled with how it ended
// (processOutcome), and marks at failed calls, refused charges, OOM selections, kills and signals.
import type { TopLevelSpec } from "vega-lite";
import { causeLabel, explainCause } from "../engine/cause.js";
import type { RunRecording } from "./compact.js";
import { facetOrSingle, timeAxis, type Ctx } from "./chart-style.js";
import { formatNs, round3 } from "./time-units.js";

/** at most this many processes per variant on the timeline; ones that ended badly are kept first */
export const MAX_TIMELINE_PROCESSES = 60;
/** at most this many failed-call marks per variant on the timeline (evenly thinned beyond) */
export const MAX_FAILURE_MARKS = 400;

const shortOp = (op: string): string => op.replace(/^SGX_IOC_(ENCLAVE_|VEPC_)?/, "");

const FAILURE_COLOURS = ["#ff7f0e", "#1f77b4", "#2ca02c", "#e377c2", "#17becf", "#bcbd22", "#8c564b", "#7f7f7f", "#aec7e8", "#ffbb78"];

/**
 * how a process ended, in a few words, named by its cause: "exit 0", "exit 137, SIGKILL (memcg OOM
 * kill)", "exit 135, SIGBUS (own charge refused: ENOMEM)", "exit 1: ADD_PAGES → ENOMEM (charge refused)".
 * "EPC OOM victim" only when the OOM path took the enclave of the running process, never for one
 * that had died of its own ENOMEM first.
 */
export function processOutcome(run: RunRecording, name: string): string {
  const p = run.summary.processes.find((x) => x.name === name);
  if (p === undefined) return "";
  if (p.startNs === null) return "never started";
  if (p.endNs === null || p.exitCode === null) return "still running at the end";
  let s = `exit ${p.exitCode}`;
  const c = p.cause;
  if (p.signal !== null) {
    const why = c === null || c.kind === "syscall" ? null : c.kind === "fault" ? `in a ${c.op}` : c.kind === "signal" ? "sent by the scenario" : causeLabel(c);
    s += `, ${p.signal}${why === null ? "" : ` (${why})`}`;
  }
  if (p.error !== null) s += `: ${shortOp(p.error.op)} → ${p.error.errno}${c?.kind === "charge-refused" ? " (charge refused)" : c?.kind === "no-free-epc" ? " (no free EPC)" : ""}`;
  return s;
}

const abnormal = (p: RunRecording["summary"]["processes"][number]): boolean => p.exitCode !== 0 || p.signal !== null || p.error !== null || p.failures.some((f) => !f.expected);

// (d) the process timeline
export function timelineSpec(ctx: Ctx): { spec: TopLevelSpec; caption: string; height: number } {
  const values: object[] = [];
  const categories: { name: string; colour: string; shape: string }[] = [];
  let failureColour = 0;
  const category = (name: string, kind: "failure" | "epc-oom" | "epc-oom-dead" | "memcg-oom" | "signal" | "refused"): string => {
    if (!categories.some((c) => c.name === name)) {
      const colour =
        kind === "epc-oom"
          ? "#8c1c13"
          : kind === "epc-oom-dead"
            ? "#bdbdbd"
            : kind === "memcg-oom"
              ? "#d62728"
              : kind === "signal"
                ? "#6a3d9a"
                : kind === "refused"
                  ? "#e6550d"
                  : (FAILURE_COLOURS[failureColour++ % FAILURE_COLOURS.length] as string);
      const shape = kind === "failure" ? "triangle-down" : kind === "signal" ? "square" : kind === "refused" ? "diamond" : kind === "epc-oom-dead" ? "circle" : "cross";
      categories.push({ name, colour, shape });
    }
    return name;
  };
  const notes: string[] = [];
  let maxRows = 0;
  for (const run of ctx.runs) {
    const variant = run.label;
    const procs = run.summary.processes;
    // keep the processes that ended badly first, then the others, shown in scenario order
    const keep = new Set([...procs.filter(abnormal), ...procs.filter((p) => !abnormal(p))].slice(0, MAX_TIMELINE_PROCESSES).map((p) => p.name));
    if (keep.size < procs.length) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}${procs.length - keep.size} of ${procs.length} processes are not drawn (those that failed or were killed are drawn first)`);
    maxRows = Math.max(maxRows, keep.size);
    const end = run.summary.simulatedNs;
    const t = (ns: number): number => round3(ns / ctx.unit.ns);
    for (const p of procs) {
      if (!keep.has(p.name) || p.startNs === null) continue;
      values.push({
        kind: "bar",
        variant,
        process: p.name,
        t: t(p.startNs),
        t2: t(p.endNs ?? end),
        outcome: processOutcome(run, p.name),
        bad: abnormal(p),
        description: `${p.name} in ${p.cgroup}: ${formatNs(p.startNs)} to ${p.endNs === null ? "the end" : formatNs(p.endNs)}; ${processOutcome(run, p.name)}`,
      });
      if (p.signal !== null && p.endNs !== null) {
        // hollow and drawn first: a cause at the same moment (a refused charge) shows inside it
        values.push({ kind: "end", variant, process: p.name, t: t(p.endNs), event: category(`ended by ${p.signal}`, "signal"), description: `${p.name}: ${processOutcome(run, p.name)} at ${formatNs(p.endNs)}` });
      }
    }
    const failures = procs.filter((p) => keep.has(p.name)).flatMap((p) => p.failures.map((f) => ({ p: p.name, f })));
    const stride = Math.max(1, Math.ceil(failures.length / MAX_FAILURE_MARKS));
    if (stride > 1) notes.push(`${ctx.runs.length > 1 ? `${variant}: ` : ""}every ${stride}th of ${failures.length} failed calls is marked`);
    failures.forEach(({ p, f }, i) => {
      if (i % stride !== 0) return;
      const name = category(`${shortOp(f.op)} → ${f.errno}${f.expected ? " (expected)" : ""}`, "failure");
      values.push({ kind: "event", variant, process: p, t: t(f.atNs), event: name, description: `${p}: ${f.op} failed with ${f.errno} at ${formatNs(f.atNs)}${f.expected ? " (the scenario expected it)" : ""}` });
    });
    // each death marked at its cause: the OOM selection, the memcg kill, the refused charge
    for (const k of run.summary.oom) {
      if (!keep.has(k.victim)) continue;
      const dead = !k.kill;
      values.push({
        kind: "event",
        variant,
        process: k.victim,
        t: t(k.at),
        event: dead ? category("EPC OOM pick (already dead)", "epc-oom-dead") : category("EPC OOM victim", "epc-oom"),
        description: `EPC OOM in ${k.cgroup} chose ${k.victim}'s enclave at ${formatNs(k.at)}; trigger: ${k.trigger}${dead ? `; ${k.victim} had ${k.victimState === "exited" ? "already exited" : "already begun to exit"}, so this killed no one` : ""}`,
      });
    }
    for (const k of run.summary.memcgOomKills) {
      if (!keep.has(k.victim)) continue;
      values.push({ kind: "event", variant, process: k.victim, t: t(k.atNs), event: category("memcg OOM kill", "memcg-oom"), description: `memcg OOM killer in ${k.cgroup} killed ${k.victim} at ${formatNs(k.atNs)}; trigger: ${k.trigger}` });
    }
    for (const p of procs) {
      const c = p.cause;
      if (!keep.has(p.name) || c === null || (c.kind !== "charge-refused" && c.kind !== "no-free-epc")) continue;
      values.push({ kind: "event", variant, process: p.name, t: t(c.atNs), event: category(`${causeLabel(c)}`, "refused"), description: `${p.name}: ${explainCause(c)}, at ${formatNs(c.atNs)}` });
    }
  }
  const order = [...new Set(ctx.runs.flatMap((r) => r.summary.processes.map((p) => p.name)))];
  const STEP = maxRows <= 15 ? 30 : 24;
  const y = { field: "process", type: "nominal", title: "process", sort: order, scale: { paddingInner: 0.1 }, axis: { labelLimit: 200, labelOffset: 5 } };
  const layer = [
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: "bar", size: 10, cornerRadius: 2, yOffset: 5 },
      encoding: {
        x: timeAxis(ctx),
        x2: { field: "t2" },
        y,
        color: { condition: { test: "datum.bad", value: "#f4a582" }, value: "#92c5de" },
        description: { field: "description" },
      },
    },
    {
      transform: [{ filter: "datum.kind === 'bar'" }],
      mark: { type: "text", align: "left", baseline: "middle", dx: 2, yOffset: -6, fontSize: 10, color: "#333" },
      encoding: { x: { field: "t", type: "quantitative" }, y, text: { field: "outcome" } },
    },
    ...(["end", "event"] as const).map((kind) => ({
      transform: [{ filter: `datum.kind === '${kind}'` }],
      mark: kind === "end" ? { type: "point", filled: false, size: 150, strokeWidth: 2, opacity: 0.9, yOffset: 5 } : { type: "point", filled: true, size: 70, opacity: 0.9, yOffset: 5 },
      encoding: {
        x: { field: "t", type: "quantitative" },
        y,
        ...(categories.length === 0
          ? { color: { value: "#333" } }
          : {
              color: { field: "event", type: "nominal", title: "what happened", scale: { domain: categories.map((c) => c.name), range: categories.map((c) => c.colour) } },
              shape: { field: "event", type: "nominal", title: "what happened", scale: { domain: categories.map((c) => c.name), range: categories.map((c) => c.shape) } },
            }),
        description: { field: "description" },
      },
    })),
  ];
  const spec = facetOrSingle(ctx.runs, values, layer, { step: STEP }, {
    text: "Process timeline",
    subtitle: "one bar per process from start to exit (orange: failed or killed); marks at the causes: refused charges, OOM selections, kills",
  });
  const caption = `Each bar runs from the process's start to its exit, labelled with how it ended and why; marks show failed system calls (by call and errno), each death at its cause (the refused charge with the level that refused it, the EPC OOM selection, the memcg kill; an OOM pick of a process that had already died is marked apart and is not a kill) and the signals that ended processes.${notes.length > 0 ? ` ${notes.join("; ")}.` : ""}`;
  return { spec, caption, height: maxRows * STEP };
}
