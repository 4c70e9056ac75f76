// The user-kernel boundary as programs cross it: a kernel path run to completion on the thread's
// time, a failed system call (expected or fatal), sleeps, open() of the enclave device, and
// EENTER/ERESUME/EEXIT of the enclave.
import { Encl } from "../kernel/encl.js";
import { errnoName } from "../lib/errno.js";
import { sgxOpen } from "../kernel/driver.js";
import { exitWith } from "./tasks.js";
import { BLOCK, leaveEnclave, Process, UserThread, type ThreadProgram } from "./process.js";
import { refusalCause } from "./cause.js";
import type { Simulator } from "./sim.js";

/** run a kernel path to completion; its costs become the thread's time */
export function* kernel<T>(sim: Simulator, t: UserThread, path: Generator<number, T>, name = "syscall"): Generator<number, T, void> {
  const start = sim.nowNs;
  t.kernelStartNs = start;
  t.inKernel = true;
  const r = yield* path;
  t.inKernel = false;
  yield sim.sgx.takeCost();
  sim.obs?.slice(sim.trackOf(t), name, start, sim.nowNs);
  return r;
}

/** a failed syscall: true to continue (the failure was expected), false when the process ends */
export function failed(sim: Simulator, p: Process, op: string, ret: number, expect: string | undefined): boolean {
  const errno = errnoName(ret);
  const expected = expect === errno;
  p.failures.push({ at: sim.nowNs, op, errno, expected });
  sim.emit({ type: op.startsWith("SGX_IOC") ? "ioctl-failure" : "syscall-failure", atNs: sim.nowNs, process: p.name, op, errno, expected });
  // an ENOMEM is the OOM path's doing (v5: SGX_ENCL_NO_MEMORY) or a refusal of the thread's own
  // allocation, which this failure uses up (expected or not), so that a later one cannot claim it
  const t = sim.currentRef;
  const oom = errno === "ENOMEM" && p.encl !== null ? sim.oomCauses.get(p.encl) : undefined;
  const refused = errno === "ENOMEM" && t instanceof UserThread ? refusalCause(sim.sgx.lastRefusal, t.name, t.kernelStartNs, op) : null;
  if (refused !== null) sim.sgx.lastRefusal = null;
  if (p.exiting) return false;
  if (expected) return true;
  p.error = { op, errno };
  exitWith(sim, p, 1, oom ?? refused ?? { kind: "syscall", atNs: sim.nowNs, op, errno });
  return false;
}

export function noEnclave(sim: Simulator, p: Process, what: string): boolean {
  p.error = { op: what, errno: "EBADF" };
  exitWith(sim, p, 1, { kind: "syscall", atNs: sim.nowNs, op: what, errno: "EBADF" });
  return false;
}

/** sleep for `ns` without a CPU; a fatal signal wakes the thread early */
export function* sleep(sim: Simulator, t: UserThread, ns: number): ThreadProgram {
  // a fatal signal interrupts the sleep; one already pending prevents it
  if (t.proc.exiting) return;
  const token = ++t.sleepToken;
  sim.at(sim.nowNs + ns, () => {
    if (t.sleepToken === token) sim.wake(t);
  });
  yield BLOCK;
}

/** open("/dev/sgx_enclave") on first use (sgx_open()) */
export function openEncl(sim: Simulator, p: Process): Encl {
  if (p.file === null) {
    const file = sgxOpen(sim.sgx, p.name);
    sim.enclOwners[file.encl.id] = p;
    p.file = file;
    p.enclFdOpen = true;
  }
  return p.file.encl;
}

export function enterEnclave(sim: Simulator, t: UserThread, encl: Encl): number {
  encl.lastActiveNs = sim.nowNs;
  const secs = encl.secs;
  t.insideSecs = secs;
  secs.inside.add(t);
  if (t.inEcall) return sim.costs.eresume;
  t.inEcall = true;
  return sim.costs.eenter;
}

/** EEXIT: the ECALL returns */
export function eexit(sim: Simulator, t: UserThread): number {
  if (!t.inEcall) return 0;
  leaveEnclave(t);
  t.inEcall = false;
  return sim.costs.eexit;
}
