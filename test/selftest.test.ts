// `epcsim selftest`: the series' selftest phases against the model, both script generations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { runSelftest } from "../src/cli/selftest.js";

const MiB = 1024 * 1024;
const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));

test("the final script passes every phase under v17 at 32 MiB, in TAP", () => {
  const r = runSelftest({ kernel: "v17", script: "final", capacityBytes: 32 * MiB, cpus: 8, seed: 1, profile: "client-128m" });
  assert.equal(r.exitCode, 0, r.tap);
  const lines = r.tap.split("\n");
  assert.equal(lines[0], "TAP version 13");
  assert.equal(lines[1], "1..7");
  assert.deepEqual(
    lines.filter((l) => /^(not )?ok /.test(l)),
    [
      "ok 1 small EPC limit test",
      "ok 2 large EPC limit positive testing",
      "ok 3 large EPC limit negative testing",
      "ok 4 larger EPC limit tests",
      "ok 5 larger EPC limit test with a process randomly killed",
      "ok 6 large EPC limit tests with memcontrol",
      "ok 7 leakage check",
    ],
  );
  assert.ok(r.tap.includes("misc.current: sgx_epc 0"));
});

test("the v5 script passes every phase under v5 at 32 MiB", () => {
  const r = runSelftest({ kernel: "v5", script: "v5", capacityBytes: 32 * MiB, cpus: 8, seed: 3, profile: "client-128m" });
  assert.equal(r.exitCode, 0, r.tap);
  assert.equal(r.phases.length, 4);
  assert.equal(r.phases[3]?.instances.length, 10, "ten concurrent runs under LARGER in the v5 script");
});

test("mainline is skipped with the kselftest code 4, as on a kernel without SGX cgroups", () => {
  const r = spawnSync(process.execPath, [cli, "selftest", "--kernel", "mainline"], { encoding: "utf8" });
  assert.equal(r.status, 4);
  assert.match(r.stdout, /^TAP version 13\n1\.\.0 # SKIP Kernel does not support SGX cgroup\.\n$/);
});
