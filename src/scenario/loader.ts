// The Loader: a parsed scenario file as the checks see it. Every check reports through it, so that a
// problem names the file, the line and column of the field (or the --set argument that gave it) and
// what was expected; plus the small checks the lowerings share.
import type { z } from "zod";
import { escapeControls } from "./quote.js";
import { formatFieldPath } from "./set-path.js";
import { isRecord, ScenarioDocument } from "./parse.js";
import { ScenarioError, show, type Path } from "./errors.js";
import { validate } from "./validate.js";

export const PAGE = 4096;

const formatPath = formatFieldPath;

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((p, i) => String(p) === String(b[i]));
}

export class Loader extends ScenarioDocument {
  /** the --set overrides applied, each with its argument as given */
  private readonly sets: { path: Path; arg: string }[] = [];
  onWarning: (message: string) => void = () => {};

  /** records a --set override so that a problem in its value names the argument, not a line of the file */
  addSet(path: Path, arg: string): void {
    this.sets.push({ path, arg });
  }

  /**
   * the --set override a problem at `full` belongs to: one that set this field or a field above it,
   * or one below it when the file has no such field (the override created it); the most specific wins
   */
  private setAt(full: Path): { path: Path; arg: string } | undefined {
    const candidates = this.sets.filter((s) => isPrefix(s.path, full) || (isPrefix(full, s.path) && !this.lookup(full).complete));
    return candidates.sort((a, b) => b.path.length - a.path.length)[0];
  }

  /** "FILE:LINE:COL: field: ", or for a field a --set override gave, "FILE: --set ARG: [field: ]" */
  private where(path: Path, key?: string): string {
    const full = key === undefined ? path : [...path, key];
    const set = this.setAt(full);
    if (set !== undefined) return `${this.source}: --set ${set.arg}: ${isPrefix(full, set.path) && isPrefix(set.path, full) ? "" : `${formatPath(full)}: `}`;
    const pos = this.position(path, key);
    return `${this.source}:${pos.line}:${pos.col}: ${formatPath(full)}: `;
  }

  fail(path: Path, message: string, key?: string): never {
    throw new ScenarioError(`${this.where(path, key)}${message}`);
  }

  /** a problem that does not stop the run: one line for the caller to show */
  warn(path: Path, message: string, key?: string): void {
    this.onWarning(escapeControls(`${this.where(path, key)}${message}`));
  }

  /** validates `value` (found at `path`) with `schema` */
  check<S extends z.ZodType>(schema: S, value: unknown, path: Path): z.output<S> {
    const r = validate(schema, value);
    if (r.ok) return r.data;
    this.fail([...path, ...r.problem.path], r.problem.message, r.problem.key);
  }
}

/** the one key of `obj` that names a variant in `variants`, or a failure naming them */
export function variantOf<K extends string>(ld: Loader, obj: unknown, path: Path, variants: readonly K[], what: string): K {
  if (!isRecord(obj)) ld.fail(path, `expected ${what}: a mapping with one of the keys ${variants.join(", ")}, got ${show(obj)}`);
  const found = Object.keys(obj).filter((k): k is K => (variants as readonly string[]).includes(k)); // in file order
  if (found.length === 1) return found[0] as K;
  if (found.length === 0) ld.fail(path, `expected ${what}: a mapping with one of the keys ${variants.join(", ")}, got keys ${Object.keys(obj).join(", ") || "none"}`);
  ld.fail(path, `expected ${what} with only one of the keys ${variants.join(", ")}, got ${found.join(" and ")}`);
}

export function pagesOf(ld: Loader, bytes: number, path: Path, what: string): number {
  if (bytes % PAGE !== 0) ld.fail(path, `expected ${what} that is a multiple of 4096 bytes, got ${bytes}`);
  return bytes / PAGE;
}
