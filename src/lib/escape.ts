// Escaping input inside a one-line message: a scenario value, a key, a --set argument or a line of
// a trace file may hold control characters (a binary file, a stray escape sequence) that must never
// reach a terminal raw. Here in lib/ because the scenario layer and the trace readers both need it.

// C0 and C1 controls, DEL, the line and paragraph separators, bidirectional overrides and the BOM
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ufffd]/gu;

const SHORT: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/** `text` with every unsafe character written as \n, \r, \t or \uXXXX */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (c) => SHORT[c] ?? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}
