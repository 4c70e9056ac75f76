// What every problem with a scenario becomes: a ScenarioError whose message is one line,
// FILE:LINE:COL: field.path: what was expected; and how a value is shown inside such a line.
import { escapeControls, quote } from "./quote.js";

export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(message: string) {
    // a message quotes input, which may hold control characters: never print them raw
    super(escapeControls(message));
  }
}

/** a field path: keys of mappings and indices of lists */
export type Path = (string | number)[];

/** a value as a message shows it: quoted, and cut short past 60 characters */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = quote(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
