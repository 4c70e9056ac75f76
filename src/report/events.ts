// events.jsonl: one JSON object per line, one line per notable kernel event, in simulated-time
// order; every line has `type` and `atNs`. When the caps dropped high-volume events, a last line
// {"type":"dropped", ...} says how many of each kind.
import type { Recorder } from "./recorder.js";

export function formatEventsJsonl(rec: Recorder): string {
  // stable sort: events reported late (a reclaim batch is reported when it ends) go to their start
  const events = rec.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.atNs - b.e.atNs || a.i - b.i);
  const lines = events.map(({ e }) => JSON.stringify(e));
  const dropped = Object.entries(rec.dropped).filter(([k]) => !k.startsWith("slice:"));
  if (dropped.length > 0) lines.push(JSON.stringify({ type: "dropped", atNs: rec.rows.at(-1)?.timeNs ?? 0, counts: Object.fromEntries(dropped) }));
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
