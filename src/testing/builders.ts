// Builders for scenarios in tests: plain objects in the engine's normalized form.
import type { AccessPhase, ProcessConfig, Scenario, ScheduledEvent, Step } from "../programs/types.js";
import type { MachineConfig } from "../hw/machine.js";

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const PAGE = 4096;
export const ms = 1_000_000;
export const us = 1_000;

export function machine(epcBytes: number, over: Partial<MachineConfig> = {}): MachineConfig {
  return { sections: [{ size: epcBytes, node: 0 }], numaNodes: 1, cpus: 4, sgx2: true, profile: "client-128m", costs: {}, ...over };
}

export function scenario(m: MachineConfig, processes: ProcessConfig[], over: Partial<Scenario> = {}): Scenario {
  return {
    source: "test",
    kernel: "mainline",
    seed: 1,
    untilNs: null,
    machine: m,
    options: { eaugRaceFix: false, timedSanitize: false, schedQuantumNs: 4 * ms },
    processes,
    events: [] as ScheduledEvent[],
    cgroups: [],
    ...over,
  };
}

export function proc(name: string, steps: Step[], start = 0): ProcessConfig {
  return { name, start, cgroup: "/", steps };
}

/** create + ADD_PAGES of `pages` REG pages (and one TCS page at the end) + init + mmap */
export function build(sizeBytes: number, pages: number, opts: { init?: boolean; measure?: boolean; chunk?: number } = {}): Step[] {
  const steps: Step[] = [{ op: "create", size: sizeBytes, debug: false }];
  const reg = pages - 1;
  const chunk = opts.chunk ?? pages * PAGE;
  if (reg > 0) steps.push({ op: "addPages", offset: 0, length: reg * PAGE, type: "REG", perm: 7, measure: opts.measure ?? false, chunk });
  steps.push({ op: "addPages", offset: reg * PAGE, length: PAGE, type: "TCS", perm: 0, measure: opts.measure ?? false, chunk });
  if (opts.init ?? true) steps.push({ op: "init" });
  steps.push({ op: "mmap" });
  return steps;
}

export function access(pages: number, count: number, over: Partial<AccessPhase> = {}): AccessPhase {
  return { type: "access", pattern: { kind: "uniform" }, offset: 0, pages, count, writeRatio: 0, thinkNs: 0, ...over };
}

export function run(threads: number, ...phases: AccessPhase[]): Step {
  return { op: "run", threads, phases };
}
