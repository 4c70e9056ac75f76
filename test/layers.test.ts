// The layers of .dependency-cruiser.cjs hold: dependency-cruiser reads every import under src/ (type
// imports too) and finds no violation; .dependency-cruiser-known-violations.json excuses none.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

test("the layer rules hold (dependency-cruiser, .dependency-cruiser.cjs)", () => {
  // the package's own command (its bin/ is not among the exports, so it is named by path)
  const bin = join(root, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");
  const r = spawnSync(process.execPath, [bin, "src", "--config", ".dependency-cruiser.cjs", "--ignore-known", "--output-type", "err"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

test("no violation is excused: the known-violations baseline is empty", () => {
  const known = JSON.parse(readFileSync(join(root, ".dependency-cruiser-known-violations.json"), "utf8")) as { from: string; to: string }[];
  assert.deepEqual(known, []);
});
