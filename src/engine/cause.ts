// What ended a process, placed at its cause rather than at the exit: the v5 EPC OOM selection that
// took its enclave's memory, the memcg OOM kill, its own allocation the kernel refused (which cgroup
// level, its limit or the capacity, and whether the charged subtree had anything to reclaim), a
// fault, a scripted signal, a failed call. A process that ends normally has no cause.
import type { Refusal } from "../kernel/tracepoints.js";

export type ProcessCause =
  /** v5: the EPC OOM path took its enclave's EPC while it ran; its next enclave access faulted with SIGBUS */
  | { kind: "epc-oom"; atNs: number; cgroup: string; trigger: string }
  /** the memcg OOM killer SIGKILLed it: `cgroup` is the memcg over memory.max, `trigger` whose charge failed */
  | { kind: "memcg-oom"; atNs: number; cgroup: string; trigger: string }
  /**
   * its own EPC charge was refused with ENOMEM in `op` ("page fault", "vEPC fault" or an ioctl):
   * the fields of the charge-failure event that refused it
   */
  | ({ kind: "charge-refused"; op: string; errno: "ENOMEM" } & Omit<Extract<Refusal, { kind: "charge" }>, "kind" | "result">)
  /** its allocation in `op` found no free EPC page and nothing reclaimable: ENOMEM */
  | { kind: "no-free-epc"; atNs: number; op: string; task: string; errno: "ENOMEM" }
  /** a fault the kernel does not fix for another reason (no page there, permissions, the EAUG race) */
  | { kind: "fault"; atNs: number; op: string; signal: string; page: number }
  /** a signal the scenario sent */
  | { kind: "signal"; atNs: number; signal: string }
  /** it consumed a poisoned EPC page (arch_memory_failure() with MF_ACTION_REQUIRED) */
  | { kind: "memory-failure"; atNs: number }
  /** a failed call the scenario did not expect (not a refused allocation) */
  | { kind: "syscall"; atNs: number; op: string; errno: string };

/**
 * the cause of an ENOMEM in `op`, a kernel path `task` ran from `sinceNs` on: the refusal it met,
 * or null when the last refusal is another task's or older
 */
export function refusalCause(refusal: Refusal | null, task: string, sinceNs: number, op: string): ProcessCause | null {
  if (refusal === null || refusal.task !== task || refusal.atNs < sinceNs) return null;
  if (refusal.kind === "no-free-epc") return { kind: "no-free-epc", atNs: refusal.atNs, op, task, errno: "ENOMEM" };
  const { kind: _kind, result: _result, ...fields } = refusal;
  return { kind: "charge-refused", op, errno: "ENOMEM", ...fields };
}

const kib = (bytes: number): string => (bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

/** a short label: "EPC OOM victim", "own charge refused: ENOMEM", ... */
export function causeLabel(c: ProcessCause): string {
  switch (c.kind) {
    case "epc-oom":
      return "EPC OOM victim";
    case "memcg-oom":
      return "memcg OOM kill";
    case "charge-refused":
      return "own charge refused: ENOMEM";
    case "no-free-epc":
      return "no free EPC: ENOMEM";
    case "fault":
      return `${c.signal} in a ${c.op}`;
    case "signal":
      return `sent ${c.signal}`;
    case "memory-failure":
      return "poisoned EPC page";
    case "syscall":
      return `${c.op} → ${c.errno}`;
  }
}

/** the details after the label, without the time: what happened, where, and why */
export function describeCause(c: ProcessCause): string {
  switch (c.kind) {
    case "epc-oom":
      return `the v5 EPC OOM path of ${c.cgroup} took its enclave's EPC (${c.trigger})`;
    case "memcg-oom":
      return `the memcg OOM killer of ${c.cgroup} (over memory.max) killed it (${c.trigger})`;
    case "charge-refused": {
      const level = c.failedAt === "/" ? "the root" : c.failedAt;
      const why = c.nothingToReclaim ? `nothing to reclaim in ${c.cgroup === "/" ? "the root" : c.cgroup}'s subtree` : "six reclaim rounds found the subtree's LRUs empty";
      return `${level}'s ${c.refusedBy} (${kib(c.limitBytes)}) refused ${c.task}'s charge${c.cgroup === c.failedAt ? "" : ` to ${c.cgroup}`} in a ${c.op}; ${why}`;
    }
    case "no-free-epc":
      return `${c.task}'s allocation in a ${c.op} found no free EPC page and nothing reclaimable`;
    case "fault":
      return `a ${c.op} at page ${c.page} the kernel does not fix`;
    case "signal":
      return `the scenario sent ${c.signal}`;
    case "memory-failure":
      return "it consumed a poisoned EPC page (SIGBUS)";
    case "syscall":
      return `${c.op} failed with ${c.errno}`;
  }
}

/**
 * one choice of the v5 EPC OOM path (summary.oom, the oom-victim event): when, for which cgroup,
 * whose enclave, what made the OOM path run, and what state the enclave's process was in. Only a
 * process still running is killed by it (`kill`); one already exiting (a fatal signal of its own,
 * its exit) or exited (the enclave outlived it, held by a reclaim batch or a child) is not.
 */
export interface EpcOomSelection {
  at: number;
  cgroup: string;
  victim: string;
  trigger: string;
  victimPid: number;
  victimState: "running" | "exiting" | "exited";
  kill: boolean;
}

/** label and details: "own charge refused: ENOMEM — /t's misc.max (8 KiB) refused p/0's charge in a page fault; ..." */
export const explainCause = (c: ProcessCause): string => `${causeLabel(c)} — ${describeCause(c)}`;
