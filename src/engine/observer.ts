// What a run reports to whoever watches it (the recorder behind `--out`, a progress bar): sampling
// points, notable kernel events and slices of time on tracks. The engine calls these only when an
// observer is installed; observing never changes what is simulated.
import type { ChargeFailureEvent, ReclaimBatchEvent } from "../kernel/tracepoints.js";
import type { FileOp } from "./sim.js";
import type { EpcOomSelection, ProcessCause } from "./cause.js";

export type SimEvent =
  | { type: "process-start"; atNs: number; process: string; pid: number; cgroup: string }
  | {
      type: "process-exit";
      atNs: number;
      process: string;
      pid: number;
      exitCode: number;
      signal: string | null;
      /** the failed syscall that ended it, if one did */
      op: string | null;
      errno: string | null;
      /** what ended it, at its cause (an OOM selection, a kill, a refused charge, ...); null for a normal exit */
      cause: ProcessCause | null;
    }
  /** a failed ioctl on /dev/sgx_enclave or /dev/sgx_vepc, or another failed syscall (mmap, mprotect, ...) */
  | { type: "ioctl-failure" | "syscall-failure"; atNs: number; process: string; op: string; errno: string; expected: boolean }
  /** an exception the vDSO reported to an ECALL (struct sgx_enclave_run) instead of a signal */
  | { type: "enclave-exception"; atNs: number; process: string; vector: number; errorCode: number; address: number; function: "ERESUME" | "EENTER" }
  | ({ type: "charge-failure" } & ChargeFailureEvent)
  | ({ type: "reclaim-batch"; atNs: number } & ReclaimBatchEvent)
  | ({ type: "oom-victim"; atNs: number } & Omit<EpcOomSelection, "at">)
  | { type: "memcg-oom-kill"; atNs: number; cgroup: string; victim: string; victimPid: number; trigger: string }
  | ({ type: "file-op" } & FileOp);

/** a track: a simulated thread, ksgxd, or a work item */
export interface Track {
  /** process id (0 for kernel threads) and thread id, as Chrome trace pid/tid */
  pid: number;
  tid: number;
  process: string;
  thread: string;
}

export interface SimObserver {
  /** sampling interval in simulated ns; `sample` is called at every multiple of it and at the end */
  readonly sampleIntervalNs: number;
  sample(atNs: number): void;
  event(e: SimEvent): void;
  /** a span of simulated time on a track: an ioctl, a fault, a reclaim batch, a work item's run */
  slice(track: Track, name: string, startNs: number, endNs: number, args?: Record<string, string | number>): void;
  /** every so many events, for progress displays (simulated time reached, events processed) */
  progress?(nowNs: number, events: number): void;
}
