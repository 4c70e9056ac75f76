// The command outputs shown in docs/*.md are what the commands print today: every line shown (a
// "..." line stands for lines left out) appears in the real output, in the same order.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const docs = join(root, "docs");

for (const name of readdirSync(docs).filter((f) => f.endsWith(".md"))) {
  const text = readFileSync(join(docs, name), "utf8");
  const blocks = [...text.matchAll(/```\n\$ npx epcsim ([^\n]*)\n([\s\S]*?)```/g)];
  blocks.forEach((m, i) => {
    const args = (m[1] ?? "").split(/\s+/).filter((a) => a !== "");
    test(`docs/${name}: the output shown for "epcsim ${args.join(" ")}" (${i + 1})`, () => {
      const r = spawnSync(process.execPath, [cli, ...args, ...(args[0] === "compare" ? ["--quiet"] : [])], { cwd: root, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      const actual = r.stdout.split("\n").map((l) => l.trimEnd());
      let at = 0;
      for (const line of (m[2] ?? "").split("\n").map((l) => l.trimEnd())) {
        if (line === "" || line === "...") continue;
        const found = actual.indexOf(line, at);
        assert.ok(found >= 0, `"${line}" is not in the output (after line ${at}):\n${r.stdout}`);
        at = found + 1;
      }
    });
  });
}

test("README: the v5 charge loop's thresholds are the code's (age ignored from the sixth fruitless round, ENOMEM at the sixth empty one)", async () => {
  const { IGNORE_AGE_THRESHOLD, OOM_THRESHOLD } = await import("../src/kernel/epc-cgroup-v5.js");
  const readme = readFileSync(join(root, "README.md"), "utf8").replace(/\s+/g, " ");
  assert.ok(readme.includes(`(\`nr_fails > ${IGNORE_AGE_THRESHOLD}\`)`), "README names the ignore-age test");
  assert.ok(readme.includes(`(\`++nr_empty > ${OOM_THRESHOLD}\`)`), "README names the empty-round test");
  assert.ok(!/after five fruitless rounds/.test(readme), "the old off-by-one wording is gone");
});
