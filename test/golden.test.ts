// The golden outputs (src/testing/golden.ts): every example, every conformance case and the selftest
// at 64 MiB, run now, give the very `--json` document and `--out` bytes stored in test/golden/. A
// change that should not change behaviour (a refactoring) must leave them all identical; one that
// should, rewrites them with `npm run golden` and says why in its commit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { goldenCases, goldenPath, type GoldenRecord } from "../src/testing/golden.js";

for (const c of goldenCases()) {
  test(`golden: ${c.name} is unchanged`, async () => {
    const path = goldenPath(c.name);
    assert.ok(existsSync(path), `${path} is missing: run npm run golden`);
    const stored = JSON.parse(readFileSync(path, "utf8")) as GoldenRecord;
    const now = await c.run();
    assert.equal(now.command, stored.command);
    assert.deepEqual(now.json, stored.json, "the --json document");
    assert.deepEqual(now.files, stored.files, "the --out files (SHA-256)");
  });
}
