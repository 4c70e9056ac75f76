// The whole-workload measurement the client profile is checked against (docs/calibration.md):
// Graphene PR #1640, an 8 GB enclave built one page per ioctl and then zeroed, on a Skylake part
// with a 128 MB PRM. Used by the bench (the full 8 GB run) and by test/calibration.test.ts (the
// run at 1/64 of the size, whose per-page figures stand for the full one).
import type { SimSummary } from "../engine/summary.js";

export const GRAPHENE_1640 = {
  source:
    'gramineproject/graphene PR #1640 ("[Pal/Linux-SGX] Lazily zero-out the heap instead of proactively on init", 2020-07-02), "Without this PR", Bootstrap6 with an 8GB enclave on an "older Skylake system" with 128MB of EPC and the non-DCAP driver that "adds *one* page per IOCTL"',
  wallNs: 70_910_000_000,
  userNs: 11_790_000_000,
  systemNs: 58_320_000_000,
  minorFaults: 2_081_992,
  /** 8 GiB of enclave pages */
  pages: 2_097_152,
  /** the targets of issue 10 */
  wallTolerance: 0.25,
  faultTolerance: 0.05,
} as const;

export interface CalibrationRow {
  what: string;
  measured: number;
  simulated: number;
  /** simulated / measured */
  ratio: number;
  /** allowed |ratio - 1| */
  tolerance: number;
  within: boolean;
}

/**
 * The run's wall time and fault count against the measurement, both scaled by `scale` (64 for the
 * run at 1/64 of the size): the measured figures are divided by it, so the ratio is per page.
 */
export function compareWithGraphene(summary: SimSummary, scale = 1): CalibrationRow[] {
  const m = GRAPHENE_1640;
  const row = (what: string, measured: number, simulated: number, tolerance: number): CalibrationRow => {
    const ratio = simulated / measured;
    return { what, measured, simulated, ratio, tolerance, within: Math.abs(ratio - 1) <= tolerance };
  };
  return [
    row("wall time (s)", m.wallNs / 1e9 / scale, summary.simulatedNs / 1e9, m.wallTolerance),
    row("minor faults", m.minorFaults / scale, summary.counters.faults, m.faultTolerance),
  ];
}

/** the rows as the bench prints them */
export function formatCalibration(rows: CalibrationRow[]): string[] {
  return rows.map(
    (r) =>
      `${r.what.padEnd(14)} measured ${r.measured.toFixed(r.what.startsWith("wall") ? 2 : 0).padStart(10)}   simulated ${r.simulated.toFixed(r.what.startsWith("wall") ? 2 : 0).padStart(10)}   ratio ${r.ratio.toFixed(2)}   (target ±${(r.tolerance * 100).toFixed(0)}%: ${r.within ? "within" : "outside"})`,
  );
}
