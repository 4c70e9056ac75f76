// An --out directory's whole set of files is written under `DIR/.epcsim-staging-*` and moved into
// place only once complete, so that a failed run never leaves a directory mixing two runs' files.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";

/** the files of one run's directory (outputs.ts writes them) */
export const RUN_OUTPUT_FILES = ["summary.json", "timeseries.csv", "events.jsonl", "trace.json", "report.html"] as const;
/** what else epcsim writes at the top of an --out directory (compare, selftest) */
const SET_FILES = ["comparison.json", "selftest.tap"];
const STAGING_PREFIX = ".epcsim-staging-";

/** an earlier run's directory: nothing in it but a run's output files */
function isRunDirectory(path: string): boolean {
  const names = readdirSync(path);
  return names.length > 0 && names.every((n) => (RUN_OUTPUT_FILES as readonly string[]).includes(n));
}

/**
 * The whole set of an --out directory written under `out/.epcsim-staging-*` and moved into place
 * only once complete: a run that fails before commit() leaves the earlier set as it was, and after
 * commit() the directory holds no file of an earlier run (what --force replaces: epcsim's own files
 * and run directories; anything else the user keeps there stays).
 */
export class OutputStaging {
  readonly dir: string;
  private done = false;

  constructor(readonly out: string) {
    mkdirSync(out, { recursive: true });
    this.dir = mkdtempSync(join(out, STAGING_PREFIX));
  }

  commit(): void {
    const staged = readdirSync(this.dir);
    for (const name of readdirSync(this.out)) {
      const path = join(this.out, name);
      if (path === this.dir) continue;
      const earlier =
        (RUN_OUTPUT_FILES as readonly string[]).includes(name) ||
        SET_FILES.includes(name) ||
        name.startsWith(STAGING_PREFIX) ||
        (lstatSync(path).isDirectory() && (staged.includes(name) || isRunDirectory(path)));
      if (earlier) rmSync(path, { recursive: true, force: true });
    }
    for (const name of staged) renameSync(join(this.dir, name), join(this.out, name));
    this.discard();
  }

  /** drops whatever was staged (after commit(): the empty staging directory) */
  discard(): void {
    if (this.done) return;
    this.done = true;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

