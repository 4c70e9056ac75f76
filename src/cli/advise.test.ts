import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SMALL_BASE } from "../testing/sweep-fixtures.js";

const cli = fileURLToPath(new URL("./main.js", import.meta.url));
const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });

function scenario(): string {
  const f = join(mkdtempSync(join(tmpdir(), "epcsim-advise-")), "s.yaml");
  writeFileSync(f, SMALL_BASE);
  return f;
}

test('advise --json prints exactly {"recommendations": [{"cgroup", "miscMax", "below", "at"}]}', () => {
  const r = run(["advise", scenario(), "--cgroup", "/a", "--step", "64KiB", "--json", "--jobs", "1"]);
  assert.equal(r.status, 0, String(r.stderr));
  const doc = JSON.parse(String(r.stdout)) as { recommendations: Record<string, unknown>[] };
  assert.deepEqual(Object.keys(doc), ["recommendations"]);
  const rec = doc.recommendations[0] as { cgroup: string; miscMax: number; below: { miscMax: number; ok: boolean }; at: { miscMax: number; ok: boolean } };
  assert.deepEqual(Object.keys(rec), ["cgroup", "miscMax", "below", "at"]);
  assert.equal(rec.cgroup, "/a");
  assert.equal(rec.miscMax % 65536, 0);
  assert.equal(rec.at.miscMax, rec.miscMax);
  assert.equal(rec.below.miscMax, rec.miscMax - 65536);
  assert.equal(rec.at.ok, true);
  assert.equal(rec.below.ok, false);
});

test("advise prints a table: cgroup, misc.max in bytes and MiB, the outcome just below, the paging at it; v5 adds the OOM line", () => {
  const r = run(["advise", scenario(), "--cgroup", "/a", "--step", "64KiB", "--kernel", "v5", "--jobs", "2"]);
  assert.equal(r.status, 0, String(r.stderr));
  const lines = String(r.stdout).split("\n");
  assert.match(lines[0] ?? "", /^cgroup\s+misc\.max \(bytes\)\s+MiB\s+just below it\s+paging at it$/);
  assert.match(lines[1] ?? "", /^\/a\s+\d+\s+\d+\.\d\d\s+\d+: /);
  assert.match(lines[2] ?? "", /^\/a: the v5 OOM path kills below misc\.max \d+ bytes/);
});

test("advise: bad flags exit 2 with one line", () => {
  const f = scenario();
  const step = run(["advise", f, "--cgroup", "/a", "--step", "1000"]);
  assert.equal(step.status, 2);
  assert.equal(step.stderr, "epcsim: --step 1000: expected a positive multiple of a page (4096 bytes), such as 64KiB or 1MiB.\n");
  const cg = run(["advise", f, "--cgroup", "/nope"]);
  assert.equal(cg.status, 2);
  assert.equal(cg.stderr, `epcsim: --cgroup /nope: expected a cgroup of ${f}'s cgroups section (/a).\n`);
});

test("README: the worked example's first advise output is what advise prints", () => {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const m = /```\n\$ npx epcsim (advise examples\/small-node\.yaml --cgroup \/kubepods\/web,\/kubepods\/batch[^\n]*)\n([\s\S]*?)```/.exec(readme);
  assert.ok(m !== null, "the example is in the README");
  const r = spawnSync(process.execPath, [cli, ...(m[1] ?? "").split(" ")], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, m[2]);
});

test("advise --node: the pods file on the node, a container scope's limit advised (examples/k8s: batch works on 48 MiB)", () => {
  const k8s = fileURLToPath(new URL("../../../examples/k8s/", import.meta.url));
  const node = spawnSync(process.execPath, [cli, "node", join(k8s, "node.yaml"), join(k8s, "pods.yaml"), "--kernel", "v17", "--json"], { encoding: "utf8" });
  assert.equal(node.status, 0, node.stderr);
  const pods = (JSON.parse(node.stdout) as { pods: { name: string; containers: { instances: { cgroup: string }[] }[] }[] }).pods;
  const scope = pods.find((p) => p.name === "batch")?.containers[0]?.instances[0]?.cgroup ?? "";
  assert.match(scope, /cri-containerd-[0-9a-f]+\.scope$/);
  const r = run(["advise", join(k8s, "pods.yaml"), "--node", join(k8s, "node.yaml"), "--kernel", "v17", "--cgroup", scope, "--step", "4MiB", "--json", "--jobs", "2"]);
  assert.equal(r.status, 0, String(r.stderr));
  const recs = (JSON.parse(String(r.stdout)) as { recommendations: { cgroup: string; miscMax: number | null }[] }).recommendations;
  assert.equal(recs[0]?.cgroup, scope);
  // its working set is 48 MiB: a limit well below pages too much, the unlimited run needs no more
  assert.ok(recs[0]?.miscMax !== null && (recs[0]?.miscMax ?? 0) > 32 * 1048576 && (recs[0]?.miscMax ?? 0) <= 52 * 1048576, JSON.stringify(recs));
});
