// events.jsonl: one JSON object per line, one line per notable kernel event, in simulated-time
// order; every line has `type` and `atNs`. When the caps dropped high-volume events, a last line
// {"type":"dropped", ...} says how many of each kind.
import type { Recorder } from "./recorder.js";

/** writes events.jsonl through `write`, a chunk of lines at a time */
export function writeEventsJsonl(write: (text: string) => void, rec: Recorder): void {
  // stable sort: events reported late (a reclaim batch is reported when it ends) go to their start
  const order = rec.events.map((_e, i) => i);
  order.sort((a, b) => (rec.events[a]?.atNs ?? 0) - (rec.events[b]?.atNs ?? 0) || a - b);
  let buf: string[] = [];
  for (const i of order) {
    buf.push(`${JSON.stringify(rec.events[i])}\n`);
    if (buf.length >= 4096) {
      write(buf.join(""));
      buf = [];
    }
  }
  const dropped = Object.entries(rec.dropped).filter(([k]) => !k.startsWith("slice:"));
  if (dropped.length > 0) buf.push(`${JSON.stringify({ type: "dropped", atNs: rec.rows.at(-1)?.timeNs ?? 0, counts: Object.fromEntries(dropped) })}\n`);
  write(buf.join(""));
}

/** the whole of events.jsonl as one string (small runs, tests) */
export function formatEventsJsonl(rec: Recorder): string {
  const parts: string[] = [];
  writeEventsJsonl((t) => parts.push(t), rec);
  return parts.join("");
}
