// A sweep's results directory. `variants.json` lists the grid's variants in order (written first);
// `results.jsonl` is the journal, one line per finished variant, appended as each finishes, so that
// an interrupted sweep loses at most the variants in flight and a rerun skips what is done.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GridError } from "./errors.js";
import type { VariantResult } from "./result.js";
import type { Variant } from "./variants.js";

export const JOURNAL = "results.jsonl";
export const MANIFEST = "variants.json";

/** what variants.json holds of each variant (not its text) */
export interface ManifestEntry {
  index: number;
  id: string;
  axes: Record<string, string>;
}

export interface Manifest {
  grid: string;
  base: string;
  columns: string[];
  variants: ManifestEntry[];
}

export function manifestOf(grid: { file: string; base: string }, columns: string[], variants: readonly Variant[]): Manifest {
  return { grid: grid.file, base: grid.base, columns, variants: variants.map((v) => ({ index: v.index, id: v.id, axes: v.axes })) };
}

/** a file written whole or not at all */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.partial`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export class ResultStore {
  constructor(readonly dir: string) {}

  /** creates the directory and writes the manifest */
  open(manifest: Manifest): void {
    try {
      mkdirSync(this.dir, { recursive: true });
      writeAtomic(join(this.dir, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
    } catch (e) {
      throw new GridError(`--out ${this.dir}: expected a directory epcsim can create and write to (${(e as Error).message}).`);
    }
  }

  manifest(): Manifest {
    const path = join(this.dir, MANIFEST);
    try {
      return JSON.parse(readFileSync(path, "utf8")) as Manifest;
    } catch (e) {
      throw new GridError(`${path}: expected the variants.json of a sweep (${(e as Error).message}).`);
    }
  }

  /**
   * the results in the journal by variant id; a last line cut short by an interruption is dropped
   * from the file, so that the next append starts on a line of its own
   */
  done(): Map<string, VariantResult> {
    const path = join(this.dir, JOURNAL);
    const out = new Map<string, VariantResult>();
    if (!existsSync(path)) return out;
    const text = readFileSync(path, "utf8");
    const end = text.lastIndexOf("\n") + 1;
    if (end < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, end)));
    for (const line of text.slice(0, end).split("\n")) {
      if (line === "") continue;
      try {
        const r = JSON.parse(line) as { id: string; result: VariantResult };
        out.set(r.id, r.result);
      } catch {
        // a line that is not JSON was torn by a crash mid-write: that variant runs again
      }
    }
    return out;
  }

  append(id: string, result: VariantResult): void {
    appendFileSync(join(this.dir, JOURNAL), `${JSON.stringify({ id, result })}\n`);
  }
}
