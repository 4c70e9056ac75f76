// Bad trace input: one line naming the file and the record (binary) or line (text), what was wrong
// and what was expected. The CLI prints it as it prints a ScenarioError and exits 2.
import { escapeControls } from "../lib/escape.js";

export class TraceError extends Error {
  override name = "TraceError";
  constructor(message: string) {
    // a message quotes the file name and its contents: control characters never reach a terminal
    super(escapeControls(message));
  }
}

/** `FILE: what` */
export function fileError(file: string, what: string): TraceError {
  return new TraceError(`${file}: ${what}`);
}

/** `FILE: record N: what` (N counts from 1) */
export function recordError(file: string, record: number, what: string): TraceError {
  return new TraceError(`${file}: record ${record}: ${what}`);
}

/** `FILE:LINE: what` (lines count from 1) */
export function lineError(file: string, line: number, what: string): TraceError {
  return new TraceError(`${file}:${line}: ${what}`);
}
