// The report's time units: the unit a time axis uses for a run's length, durations as text, and the
// rounding that keeps the charts' data (times, MiB) short.
export interface TimeUnit {
  name: string;
  ns: number;
}

/** the unit the time axes use: µs for runs under 1 ms, s for runs over 10 s, else ms */
export function timeUnitFor(maxNs: number): TimeUnit {
  if (maxNs < 1_000_000) return { name: "µs", ns: 1_000 };
  if (maxNs > 10_000_000_000) return { name: "s", ns: 1_000_000_000 };
  return { name: "ms", ns: 1_000_000 };
}

/** 3 significant decimals at most, so that the data (and aria labels) stay short */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function formatNs(ns: number): string {
  if (ns >= 1_000_000_000) return `${round3(ns / 1_000_000_000)} s`;
  if (ns >= 1_000_000) return `${round3(ns / 1_000_000)} ms`;
  if (ns >= 1_000) return `${round3(ns / 1_000)} µs`;
  return `${ns} ns`;
}
