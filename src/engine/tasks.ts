// Tasks: processes and their threads — start (joining the cgroup, charging the resident memory),
// fatal signals, exit, do_exit() of the last thread (exit_mm, the files), fork — and cgroup moves.
import { sgxEnclMmAdd, sgxEnclMmRemove } from "../kernel/encl.js";
import { SIGNALS } from "../lib/errno.js";
import { fput } from "../kernel/driver.js";
import { sgxVepcRelease } from "../kernel/virt.js";
import type { TaskConfig } from "./world.js";
import type { Cgroup } from "../cgroup/misc.js";
import { memcgTryCharge, memcgUncharge } from "../cgroup/memory.js";
import { Process, UserThread, type ThreadProgram } from "./process.js";
import type { ProcessCause } from "./cause.js";
import type { Simulator } from "./sim.js";

/** a new thread of `p` running `program`, an actor of the event loop */
export function newThread(sim: Simulator, p: Process, index: number, program: (t: UserThread) => ThreadProgram): UserThread {
  const id = sim.actors.length;
  const t = new UserThread(id, sim.nextTid++, p, index, sim.rng.fork());
  sim.addActor({ kind: "thread", thread: t });
  t.program = program(t);
  p.threads.push(t);
  p.liveThreads++;
  return t;
}

export function startProcess(sim: Simulator, p: Process): void {
  p.started = true;
  p.startNs = sim.nowNs;
  // like ash_cgexec.sh: the process joins its cgroup before it execs the program
  const cg = sim.sgx.cgroups.get(p.config.cgroup);
  if (cg === undefined) {
    p.error = { op: "cgroup.procs", errno: "ENOENT" };
    p.exitCode = 1;
    p.exited = true;
    p.endNs = sim.nowNs;
    p.cause = { kind: "syscall", atNs: p.endNs, op: "cgroup.procs", errno: "ENOENT" };
    sim.emit({ type: "process-exit", atNs: p.endNs, process: p.name, pid: p.pid, exitCode: 1, signal: null, op: "cgroup.procs", errno: "ENOENT", cause: p.cause });
    return;
  }
  moveProcess(p, cg);
  sim.emit({ type: "process-start", atNs: sim.nowNs, process: p.name, pid: p.pid, cgroup: cg.path });
  // the process's own resident memory, charged where it starts (memcg charges stay there when the
  // task moves, as in cgroup v2); a limit it does not fit under OOM-kills at once
  const rss = p.config.memoryBytes ?? 0;
  if (rss > 0) {
    const over = memcgTryCharge(cg, rss);
    if (over === null) p.chargedMemory = { cg, bytes: rss };
    else sim.memcgOom(over, `${p.name}: its resident memory at start (${rss} bytes)`);
  }
  const t = newThread(sim, p, 0, (th) => sim.programs.main(sim, th));
  sim.schedule(t, sim.nowNs);
}

/** a fatal signal; `cause` is what led to it (the first one is kept) */
export function killProcess(sim: Simulator, p: Process, signal: string, cause: ProcessCause): void {
  if (!p.started || p.exited || p.exiting) return;
  p.cause = cause;
  p.signal = signal;
  p.exitCode = 128 + (SIGNALS[signal] ?? 0);
  p.exiting = true;
  for (const t of p.threads) if (t.blocked) sim.wake(t);
}

/** the process ends normally (exit) or because a syscall failed */
export function exitWith(sim: Simulator, p: Process, code: number, cause: ProcessCause | null = null): void {
  if (p.exiting) return;
  p.cause = cause;
  p.exitCode = code;
  p.exiting = true;
  for (const t of p.threads) if (t.blocked) sim.wake(t);
}

export function threadFinished(sim: Simulator, t: UserThread): void {
  t.done = true;
  sim.cpus.release(t, sim.nowNs);
  const p = t.proc;
  p.liveThreads--;
  if (p.joinWaiter !== null && p.liveThreads === 1) sim.wake(p.joinWaiter);
  if (p.liveThreads === 0) processExit(sim, p, t);
}

/** do_exit of the last thread: exit_mm (mmu notifier release), unmap, close files */
export function processExit(sim: Simulator, p: Process, last: UserThread): void {
  sim.currentRef = last;
  if (p.exitCode === null) p.exitCode = 0;
  p.mm.exiting = true;
  const file = p.file;
  if (file !== null) {
    // exit_mm: the mmu notifier unlinks this mm's encl_mm; then the VMAs and the fd go
    sgxEnclMmRemove(sim.sgx, file.encl, p.mm);
    if (p.vmas.length > 0) fput(sim.sgx, file);
    if (p.enclFdOpen) fput(sim.sgx, file);
    p.vmas = [];
    p.enclFdOpen = false;
    p.file = null;
  }
  if (p.vepc !== null) sgxVepcRelease(sim.sgx, p.vepc);
  p.exited = true;
  p.cgroup?.procs.delete(p.pid);
  if (p.chargedMemory !== null) memcgUncharge(p.chargedMemory.cg, p.chargedMemory.bytes);
  p.endNs = sim.nowNs + sim.sgx.takeCost();
  sim.emit({ type: "process-exit", atNs: p.endNs, process: p.name, pid: p.pid, exitCode: p.exitCode, signal: p.signal, op: p.error?.op ?? null, errno: p.error?.errno ?? null, cause: p.cause });
  if (!p.isGuest && sim.processes.every((q) => q.isGuest || q.exited || !willStart(sim, q))) {
    for (const h of sim.holders.splice(0)) sim.wake(h);
  }
}

export function willStart(sim: Simulator, p: Process): boolean {
  return p.started || p.config.start <= sim.untilNs;
}

/**
 * fork(): the child shares the enclave file (the fd and the VMAs each take a reference) and its
 * new mm joins the enclave's mm list through sgx_vma_open(); it holds for `holdNs`, then exits
 */
export function fork<C extends object>(sim: Simulator, p: Process, program: C): void {
  const cfg: TaskConfig & C = { name: `${p.name}~fork${++sim.forkCount}`, start: sim.nowNs, cgroup: p.config.cgroup, ...program };
  const child = new Process(sim.processes.length + sim.forks.length + 1, cfg, sim.nextMmId++, false);
  sim.forks.push(child);
  const file = p.file;
  if (file !== null) {
    child.file = file;
    if (p.enclFdOpen) {
      child.enclFdOpen = true;
      file.refs++;
    }
    if (p.vmas.length > 0) {
      child.vmas = p.vmas.map((v) => ({ ...v }));
      file.refs++;
      // a failed sgx_encl_mm_add() leaves the VMA without vm_private_data: faults there SIGBUS
      sgxEnclMmAdd(file.encl, child.mm);
    }
  }
  startProcess(sim, child);
}

/** the process leaves its cgroup for `cg`; charges it made stay where they were made */
export function moveProcess(p: Process, cg: Cgroup): void {
  p.cgroup?.procs.delete(p.pid);
  p.cgroup = cg;
  p.mm.cgroup = cg;
  cg.procs.add(p.pid);
}
