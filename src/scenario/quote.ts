// Quoting input inside a one-line message: a scenario value, a key or a --set argument may hold
// control characters (a binary file, a stray escape sequence) that must never reach a terminal raw.

import { escapeControls } from "../lib/escape.js";

export { escapeControls };

/** a value as a message quotes it: strings in double quotes, the rest as JSON; escaped either way */
export function quote(v: unknown): string {
  if (typeof v === "string") return escapeControls(JSON.stringify(v));
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  return escapeControls(s ?? String(v));
}
