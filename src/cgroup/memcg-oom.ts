// The memcg OOM killer (mm/memcontrol.c, mm/oom_kill.c): when a memcg charge cannot be had, pick
// the task with the highest badness in the cgroup's subtree and kill it. The processes are the
// simulator's; it reaches them through MemcgOomHost.
import type { Cgroup, CgroupTree } from "./misc.js";
import { memcgOomEvent } from "./memory.js";

/** a process as the OOM killer sees it */
export interface OomCandidate {
  readonly pid: number;
  readonly started: boolean;
  readonly exited: boolean;
  /** the process's memcg; null = the root */
  readonly cgroup: Cgroup | null;
  /** chosen by the OOM killer and not yet gone (tsk_is_oom_victim()) */
  oomVictim: boolean;
  /** its resident memory: the badness */
  readonly config: { readonly memoryBytes?: number };
}

/** what the OOM killer needs from the simulator */
export interface MemcgOomHost<P extends OomCandidate> {
  readonly tree: CgroupTree;
  /** every process, in pid order */
  processes(): P[];
  /** oom_kill_process(): count it, record it, SIGKILL the victim */
  oomKill(victim: P, memcg: Cgroup, trigger: string): void;
}

/**
 * mirrors mem_cgroup_out_of_memory() (memcontrol.c): pick the task with the highest badness in
 * subtree(memcg) — its resident memory; on a tie the later one in the walk — and SIGKILL it, unless a
 * victim is still dying. True (the charge is retried) when it killed one or found one still dying,
 * false when there is no one
 */
export function memcgOutOfMemory<P extends OomCandidate>(host: MemcgOomHost<P>, memcg: Cgroup, trigger: string): boolean {
  const candidates = memcgCandidates(host, memcg);
  if (candidates.some((p) => p.oomVictim)) {
    // oom_evaluate_task() aborts at a victim still exiting: "progress", the charge is retried
    memcgOomEvent(memcg, false);
    return true;
  }
  return memcgKill(host, memcg, candidates, trigger) !== null;
}

/**
 * memory_max_write() found memory.current over the new limit: one more round of its OOM loop. The
 * victims it chose already count as gone (the write does not wait for them); the new victim, or
 * null when no one is left
 */
export function memcgOomForLimit<P extends OomCandidate>(host: MemcgOomHost<P>, memcg: Cgroup): P | null {
  return memcgKill(
    host,
    memcg,
    memcgCandidates(host, memcg).filter((p) => !p.oomVictim),
    `memory.max of ${memcg.path} written below memory.current`,
  );
}

/** the live processes in subtree(memcg), in the walk's order */
function memcgCandidates<P extends OomCandidate>(host: MemcgOomHost<P>, memcg: Cgroup): P[] {
  const order = host.tree.subtree(memcg);
  const inTree = new Set(order);
  const candidates = host.processes().filter((p) => p.started && !p.exited && p.cgroup !== null && inTree.has(p.cgroup));
  return candidates.sort((a, b) => order.indexOf(a.cgroup as Cgroup) - order.indexOf(b.cgroup as Cgroup) || a.pid - b.pid);
}

/** mirrors oom_evaluate_task() (oom_kill.c) over the candidates: the highest badness (its resident memory; a tie goes to the later one), then oom_kill_process() */
function memcgKill<P extends OomCandidate>(host: MemcgOomHost<P>, memcg: Cgroup, candidates: readonly P[], trigger: string): P | null {
  let victim: P | null = null;
  for (const p of candidates) if (victim === null || (p.config.memoryBytes ?? 0) >= (victim.config.memoryBytes ?? 0)) victim = p;
  memcgOomEvent(memcg, victim !== null);
  if (victim === null) return null;
  victim.oomVictim = true;
  host.oomKill(victim, memcg, trigger);
  return victim;
}
