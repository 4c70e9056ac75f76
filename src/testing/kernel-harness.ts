// A kernel without a simulator around it, for unit tests of the driver modules: a fake `current`,
// a ksgxd that only records wake-ups, and helpers that drive kernel generators to completion.
import { resolveCosts } from "../hw/costs.js";
import { sgxSanitizeAtBoot } from "../kernel/alloc.js";
import { Encl, sgxEnclMmAdd } from "../kernel/encl.js";
import { sgxIocEnclaveAddPages, sgxIocEnclaveCreate, sgxIocEnclaveInit } from "../kernel/ioctl.js";
import { PROT_R, PROT_W, PROT_X, SGX_PAGE_TYPE_REG } from "../kernel/sgx.js";
import { Mm, Sgx, type KernelEnv, type Task } from "../kernel/state.js";
import type { SecsState } from "../hw/epcm.js";
import type { Cgroup } from "../cgroup/misc.js";
import type { KernelGeneration } from "../kernel/config.js";

export class FakeTask implements Task {
  insideSecs: SecsState | null = null;
  pending = false;
  cgroup: Cgroup | null = null;
  readonly reclaimer = "direct" as const;
  readonly pid = 0;
  constructor(
    readonly tid: number,
    readonly mm: Mm | null,
    readonly cpu = 0,
    readonly name = `task${tid}`,
  ) {}
  signalPending(): boolean {
    return this.pending;
  }
}

export class FakeEnv implements KernelEnv {
  task: Task = new FakeTask(0, null);
  wakeups = 0;
  readonly interrupted: Task[] = [];
  readonly sigbus: Task[] = [];
  current(): Task {
    return this.task;
  }
  wakeKsgxd(): void {
    this.wakeups++;
  }
  interrupt(task: Task): void {
    this.interrupted.push(task);
    if (task.insideSecs !== null) {
      task.insideSecs.leave(task);
      task.insideSecs = null;
    }
  }
  /** queued work items, run by the test with runWork() */
  readonly work: (() => Generator<number, void>)[] = [];
  queueWork(_key: object, work: () => Generator<number, void>): boolean {
    this.work.push(work);
    return true;
  }
  cancelWork(): void {}
  condResched(): void {}
  readonly ooms: Cgroup[] = [];
  readonly enclaveOoms: string[] = [];
  enclaveOomKilled(encl: { ownerName: string }): boolean {
    this.enclaveOoms.push(encl.ownerName);
    return true;
  }
  /** the OOM killer finds no one to kill */
  memcgOom(memcg: Cgroup): boolean {
    this.ooms.push(memcg);
    return false;
  }
  forceSigbus(task: Task): void {
    this.sigbus.push(task);
  }
  /** kernel retry loops that went round without progress, by name, since their last progress */
  readonly loops = new Map<string, number>();
  /** kernel loops always yield here, so that tests see every step */
  continueInline(): boolean {
    return false;
  }

  kernelLoop(operation: string, progress: boolean): void {
    if (progress) this.loops.delete(operation);
    else this.loops.set(operation, (this.loops.get(operation) ?? 0) + 1);
  }
  now(): number {
    return 0;
  }
}

export function kernel(
  pages: number,
  opts: { nodes?: number; sections?: { size: number; node: number }[]; cpus?: number; generation?: KernelGeneration } = {},
): { sgx: Sgx; env: FakeEnv } {
  const env = new FakeEnv();
  const nodes = opts.nodes ?? 1;
  const sections = opts.sections ?? [{ size: pages * 4096, node: 0 }];
  const sgx = new Sgx(
    { sections, numaNodes: nodes, cpus: opts.cpus ?? 4, sgx2: true, profile: "client-128m", costs: {} },
    resolveCosts("client-128m"),
    env,
    { eaugRaceFix: false, timedSanitize: false, schedQuantumNs: 4_000_000 },
    { generation: opts.generation ?? "mainline", miscEvents: "6.11" },
  );
  sgxSanitizeAtBoot(sgx);
  return { sgx, env };
}

/** runs a kernel generator to the end, ignoring the time it yields */
export function drive<T>(g: Generator<number, T>): T {
  for (;;) {
    const r = g.next();
    if (r.done === true) return r.value;
  }
}

/** an enclave of `size` bytes with `pages` REG pages added (and initialized unless told otherwise) */
export function enclave(sgx: Sgx, size: number, pages: number, init = true): Encl {
  const encl = new Encl(sgx.encls.length, `e${sgx.encls.length}`, sgx);
  sgx.encls.push(encl);
  const c = drive(sgxIocEnclaveCreate(sgx, encl, size, false));
  if (c !== 0) throw new Error(`create failed: ${c}`);
  if (pages > 0) {
    const r = drive(sgxIocEnclaveAddPages(sgx, encl, 0, pages * 4096, SGX_PAGE_TYPE_REG, PROT_R | PROT_W | PROT_X, false));
    if (r.ret !== 0) throw new Error(`add failed: ${r.ret}`);
  }
  if (init && drive(sgxIocEnclaveInit(sgx, encl)) !== 0) throw new Error("init failed");
  return encl;
}

export function mapInto(encl: Encl, mm: Mm): void {
  if (sgxEnclMmAdd(encl, mm) !== 0) throw new Error("mm add failed");
}
