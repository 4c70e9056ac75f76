// Which kernel runs, and its named options (each default the kernel's behaviour; a deviation is an option).

export type KernelGeneration = "mainline" | "v17" | "v5";

/** Named kernel options; each default is the mainline behaviour, a `true` is a documented deviation or proposed fix. */
export interface KernelOptions {
  /** Q11: the proposed "Resolve EAUG race where losing thread returns SIGBUS" fix (NOPAGE instead of SIGBUS) */
  eaugRaceFix: boolean;
  /** run ksgxd's two sanitization passes at boot as timed EREMOVE work instead of instantly before t=0 */
  timedSanitize: boolean;
  /** scheduler quantum for threads sharing a CPU */
  schedQuantumNs: number;
  /** kernel threads need a CPU ("scheduled", default) or run without one ("free") */
  kthreads?: "scheduled" | "free";
  /** encl->lock serializes one enclave's kernel sections (default true) */
  enclLock?: boolean;
  /** v17: queue the async reclaim after a successful charge too, as the unreachable v11+ code intended (spec 5.16) */
  cgroupQueueAfterCharge?: boolean;
  /** v5: which pages go on the unreclaimable lists: SECS and VA (the series) or SECS only (the reviewers' proposal) */
  unreclaimableTracking?: "secs+va" | "secs-only";
  /** v5: how the EPC OOM path picks its victim (see src/kernel/oom-policy.ts) */
  oomVictim?: "list-order" | "most-epc" | "least-recently-active";
  /** misc controller event counting: 6.11+ (default for v17) or the older rules (default for v5) */
  miscEvents?: "6.11" | "pre-6.11";
  /**
   * a guard of the simulation, not kernel behaviour: stop the run when one thread's fault has
   * returned NOPAGE this many times in a row without the page ever becoming present (a livelock the
   * kernel would spin in forever); 0 never stops. Default 100000.
   */
  livelockRetries?: number;
}
