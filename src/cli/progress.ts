// A progress bar on stderr for long runs: simulated time reached, events per second and, when the
// scenario has an end time, an ETA. Only on a terminal; wall-clock time lives here, never in the engine.
import cliProgress from "cli-progress";

export interface Progress {
  /** false when nothing is displayed (not a terminal, or --quiet): callers then need not report */
  readonly active: boolean;
  update(nowNs: number, events: number): void;
  stop(): void;
}

const NONE: Progress = { active: false, update: () => undefined, stop: () => undefined };

export function createProgress(label: string, untilNs: number | null, enabled: boolean): Progress {
  if (!enabled || process.stderr.isTTY !== true) return NONE;
  const bounded = untilNs !== null && Number.isFinite(untilNs) && untilNs > 0;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: bounded
        ? `${label} [{bar}] {percentage}% | simulated {sim} of {until} | {rate} events/s | ETA {eta_formatted}`
        : `${label} | simulated {sim} | {events} events | {rate} events/s`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  const ms = (ns: number): string => `${(ns / 1e6).toFixed(1)} ms`;
  const total = bounded ? untilNs : 1;
  bar.start(total, 0, { sim: ms(0), until: bounded ? ms(untilNs) : "", events: 0, rate: 0 });
  return {
    active: true,
    update(nowNs, events) {
      const seconds = Math.max((Date.now() - started) / 1000, 1e-3);
      bar.update(bounded ? Math.min(nowNs, total) : 0, { sim: ms(nowNs), events, rate: Math.round(events / seconds) });
    },
    stop() {
      bar.stop();
    },
  };
}
