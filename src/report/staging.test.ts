import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputStaging } from "./staging.js";

/** an --out directory as an earlier compare left it, plus a file of the user's */
function earlierCompare(): string {
  const out = mkdtempSync(join(tmpdir(), "epcsim-staging-test-"));
  for (const v of ["v17", "v5", "old-variant"]) {
    mkdirSync(join(out, v));
    for (const f of ["summary.json", "timeseries.csv", "events.jsonl", "trace.json", "report.html"]) writeFileSync(join(out, v, f), `earlier ${v}`);
  }
  writeFileSync(join(out, "comparison.json"), "earlier");
  writeFileSync(join(out, "report.html"), "earlier");
  writeFileSync(join(out, "notes.txt"), "the user's");
  mkdirSync(join(out, "photos"));
  writeFileSync(join(out, "photos", "a.png"), "the user's");
  return out;
}

test("a set that fails before commit leaves the earlier set exactly as it was", () => {
  const out = earlierCompare();
  const before = readdirSync(out).sort();
  const staging = new OutputStaging(out);
  mkdirSync(join(staging.dir, "v17"));
  writeFileSync(join(staging.dir, "v17", "summary.json"), "new");
  // the run fails here: nothing is committed
  staging.discard();
  assert.deepEqual(readdirSync(out).sort(), before);
  assert.equal(readFileSync(join(out, "v17", "summary.json"), "utf8"), "earlier v17");
});

test("commit replaces every file of the earlier run and keeps the user's own", () => {
  const out = earlierCompare();
  const staging = new OutputStaging(out);
  mkdirSync(join(staging.dir, "v17"));
  writeFileSync(join(staging.dir, "v17", "summary.json"), "new");
  writeFileSync(join(staging.dir, "report.html"), "new");
  staging.commit();
  // the earlier comparison.json and the variants this run does not have are gone with the rest of that run
  assert.deepEqual(readdirSync(out).sort(), ["notes.txt", "photos", "report.html", "v17"]);
  assert.deepEqual(readdirSync(join(out, "v17")), ["summary.json"]);
  assert.equal(readFileSync(join(out, "report.html"), "utf8"), "new");
  assert.deepEqual(readdirSync(join(out, "photos")), ["a.png"]);
});
