// The editor's check: a scenario text validated as `epcsim run` validates a file, with the CLI's
// one-line messages; the page shows each next to the line it names, so the line and column are
// also given apart.
import { dirname } from "node:path";
import { decodeUtf8, lineCol } from "../scenario/file-text.js";
import { parseScenarioText, ScenarioError } from "../scenario/load.js";
import { traceOutsideRoot } from "./confine.js";

export interface Problem {
  /** the CLI's line: FILE:LINE:COL: field: what was expected */
  message: string;
  line: number | null;
  col: number | null;
}

export interface Validation {
  ok: boolean;
  errors: Problem[];
  warnings: Problem[];
}

/** where a message of `source` points: FILE:LINE:COL at its start */
export function located(source: string, message: string): Problem {
  const m = message.startsWith(`${source}:`) ? /^(\d+):(\d+):/.exec(message.slice(source.length + 1)) : null;
  return { message, line: m === null ? null : Number(m[1]), col: m === null ? null : Number(m[2]) };
}

/**
 * validates the bytes of a scenario named `source` (its path relative to --dir) that would live at
 * `path` (trace files resolve from its folder and must be under `root`)
 */
export function validateScenario(bytes: Uint8Array, source: string, path: string, root: string): Validation {
  const warnings: Problem[] = [];
  const fail = (message: string): Validation => ({ ok: false, errors: [located(source, message)], warnings });
  const decoded = decodeUtf8(bytes);
  if (!("text" in decoded)) {
    const pos = lineCol(new TextDecoder().decode(bytes), decoded.offset);
    return fail(`${source}:${pos.line}:${pos.col}: the file is not valid YAML or JSON: ${decoded.message}`);
  }
  const outside = traceOutsideRoot(decoded.text, source, path, root);
  if (outside !== null) return fail(outside);
  try {
    parseScenarioText(decoded.text, source, { baseDir: dirname(path), onWarning: (w) => warnings.push(located(source, w)) });
  } catch (e) {
    if (e instanceof ScenarioError) return fail(e.message);
    throw e;
  }
  return { ok: true, errors: [], warnings };
}
