// The scenario as the engine takes it: the machine, the kernel and its options, the processes to
// start (what they run is programs/' business), the timed events and the cgroups made at time zero.
import type { MachineConfig } from "../hw/machine.js";
import type { KernelGeneration, KernelOptions } from "../kernel/config.js";

/** a process to start, as the engine sees it */
export interface TaskConfig {
  /** instance name, e.g. "build-and-scan[1]" (no suffix when replicas is 1) */
  name: string;
  /** ns */
  start: number;
  cgroup: string;
  /** resident memory outside the enclave, charged to the process's memcg while it lives (bytes) */
  memoryBytes?: number;
}

export type ScheduledAction =
  | { type: "kill"; target: string; signal: string }
  | { type: "memoryFailure"; frame: number; actionRequired: boolean; process: string | null }
  /** fault injection: the next `count` executions of `leaf` fail (quirks Q2, Q3, Q4) */
  | { type: "injectFailure"; leaf: "EEXTEND" | "EWB" | "ELDU"; count: number }
  /** write `value` to a cgroup interface file such as /a/misc.max */
  | { type: "write"; path: string; value: string }
  /** read a cgroup interface file; the text goes to the result's fileOps */
  | { type: "read"; path: string }
  | { type: "mkdir"; path: string }
  | { type: "rmdir"; path: string }
  /** move a process (every replica for a base name) to another cgroup; its charges stay where they were made */
  | { type: "move"; process: string; cgroup: string };

/** a cgroup created at time zero, with interface-file writes applied in order */
export interface CgroupConfig {
  path: string;
  writes: { file: string; value: string }[];
  /** the errno one of the writes is expected to fail with (then the failure is not bad input) */
  expect?: string;
}

export interface ScheduledEvent {
  at: number;
  action: ScheduledAction;
}

export interface SimScenario {
  /** file the scenario came from, for messages */
  source: string;
  kernel: KernelGeneration;
  seed: number;
  /** stop the simulation at this simulated time (ns), null = run until every process has ended */
  untilNs: number | null;
  machine: MachineConfig;
  options: KernelOptions;
  processes: readonly TaskConfig[];
  events: ScheduledEvent[];
  /** cgroups created at time zero, parents before children */
  cgroups: CgroupConfig[];
}
