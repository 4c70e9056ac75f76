// The engine's side of the two OOM killers: the v5 EPC OOM path reports the enclave whose memory it
// took (the engine finds its process and records the selection), and the memcg OOM killer of
// cgroup/memcg-oom.ts gets the processes and kills through the host built here.
import type { Cgroup } from "../cgroup/misc.js";
import { memcgOomForLimit, memcgOutOfMemory, type MemcgOomHost } from "../cgroup/memcg-oom.js";
import type { Encl } from "../kernel/encl.js";
import type { EpcOomSelection } from "./cause.js";
import type { Process } from "./process.js";
import type { Simulator } from "./sim.js";
import { killProcess } from "./tasks.js";

/** a kill by the memcg OOM killer, as summary.memcgOomKills lists it */
export interface MemcgKill {
  atNs: number;
  cgroup: string;
  victim: string;
  victimPid: number;
  trigger: string;
}

/** v5: the EPC OOM path took `encl`'s memory for `cgroup`; true when that kills a running process */
export function enclaveOomKilled(sim: Simulator, encl: Encl, cgroup: Cgroup, trigger: string): boolean {
  const owner = sim.enclOwners[encl.id];
  // a process that already died (of its own ENOMEM, say) or is on its way out is not killed by this
  const victimState = owner === undefined || owner.exited ? "exited" : owner.exiting ? "exiting" : "running";
  const kill = victimState === "running";
  const sel: EpcOomSelection = { at: sim.nowNs, cgroup: cgroup.path, victim: encl.ownerName, trigger, victimPid: owner?.pid ?? 0, victimState, kill };
  sim.epcOomKills.push(sel);
  if (kill) sim.oomCauses.set(encl, { kind: "epc-oom", atNs: sel.at, cgroup: sel.cgroup, trigger });
  const { at, ...rest } = sel;
  sim.emit({ type: "oom-victim", atNs: at, ...rest });
  return kill;
}

/** what the memcg OOM killer sees of the simulation: the cgroup tree, every process, how to kill */
export function memcgOomHost(sim: Simulator): MemcgOomHost<Process> {
  return {
    tree: sim.sgx.cgroups,
    processes: () => [...sim.processes, ...sim.forks],
    oomKill: (victim, memcg, trigger) => memcgOomKill(sim, victim, memcg, trigger),
  };
}

/** mem_cgroup_out_of_memory() at `memcg` (cgroup/memcg-oom.ts) */
export function memcgOom(sim: Simulator, memcg: Cgroup, trigger: string): boolean {
  return memcgOutOfMemory(sim.oomHost, memcg, trigger);
}

/**
 * memory_max_write()'s OOM loop, one round (cgroup/memcg-oom.ts): -1 when no one is left, else the
 * bytes the new victim's death uncharges (its memory, and the backing store of an enclave it alone holds)
 */
export function memcgOomRound(sim: Simulator, memcg: Cgroup): number {
  const victim = memcgOomForLimit(sim.oomHost, memcg);
  if (victim === null) return -1;
  let bytes = victim.chargedMemory?.bytes ?? 0;
  const encl = victim.encl;
  if (encl !== null && victim.file !== null && victim.file.refs <= 2) bytes += encl.backingPages() * 4096;
  return bytes;
}

/** oom_kill_process() of the memcg OOM killer's victim */
function memcgOomKill(sim: Simulator, victim: Process, memcg: Cgroup, trigger: string): void {
  sim.sgx.counters.memcgOomKills++;
  const kill: MemcgKill = { atNs: sim.nowNs, cgroup: memcg.path, victim: victim.name, victimPid: victim.pid, trigger };
  sim.memcgKills.push(kill);
  sim.emit({ type: "memcg-oom-kill", ...kill });
  killProcess(sim, victim, "SIGKILL", { kind: "memcg-oom", atNs: kill.atNs, cgroup: kill.cgroup, trigger });
}
