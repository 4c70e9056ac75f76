// The output folders under --dir: every folder holding a run's files (summary.json), a comparison
// (comparison.json), a selftest (selftest.tap) or a sweep (sweep.csv, issue 14), wherever they were
// written (`epcsim run --out`, or the dashboard's results/), with the files the page links to.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { walk } from "./paths.js";

/** the files a result folder may hold, in the order the page lists them */
export const RESULT_FILES = ["report.html", "summary.json", "timeseries.csv", "events.jsonl", "trace.json", "comparison.json", "selftest.tap", "sweep.csv", "sweep.html"] as const;

export type ResultKind = "run" | "compare" | "selftest" | "sweep";

export interface ResultFolder {
  /** relative to --dir */
  dir: string;
  kind: ResultKind;
  files: string[];
  /** folders below it that hold a variant's or phase's run (compare, selftest) */
  parts: string[];
  modifiedMs: number;
}

const MARKERS: [string, ResultKind][] = [
  ["sweep.csv", "sweep"],
  ["comparison.json", "compare"],
  ["selftest.tap", "selftest"],
  ["summary.json", "run"],
];

function kindOf(path: string): ResultKind | null {
  for (const [file, kind] of MARKERS) if (existsSync(join(path, file))) return kind;
  return null;
}

/** the result folders under root, newest first; a folder inside another result folder is one of its parts */
export function listResults(root: string, kinds: readonly ResultKind[] = ["run", "compare", "selftest", "sweep"]): ResultFolder[] {
  const found = new Map<string, ResultFolder>();
  for (const e of walk(root, 5, 20_000)) {
    if (!e.isDirectory) continue;
    const kind = kindOf(e.path);
    if (kind === null) continue;
    const parent = [...found.keys()].find((d) => e.rel.startsWith(`${d}/`));
    if (parent !== undefined) {
      (found.get(parent) as ResultFolder).parts.push(e.rel);
      continue;
    }
    const files = RESULT_FILES.filter((f) => existsSync(join(e.path, f)));
    found.set(e.rel, { dir: e.rel, kind, files, parts: [], modifiedMs: Math.round(statSync(e.path).mtimeMs) });
  }
  return [...found.values()].filter((r) => kinds.includes(r.kind)).sort((a, b) => b.modifiedMs - a.modifiedMs || a.dir.localeCompare(b.dir));
}
