// `epcsim replay` and the scenario's trace access phase as a user meets them: the replay figures,
// first-seen page mapping, tenants in cgroups, timing from the trace, and bad trace files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SimSummary } from "../src/engine/summary.js";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

function epcsim(args: string[], cwd = root): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", maxBuffer: 1 << 28 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function json(args: string[], cwd = root): SimSummary {
  const r = epcsim([...args, "--json", "--quiet"], cwd);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as SimSummary;
}

function dirWith(files: Record<string, string | Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-replay-"));
  for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
  return dir;
}

/** oracleGeneral records {u32 time, u64 id, u32 size, i64 next} for the given ids */
function oracleGeneral(ids: number[]): Uint8Array {
  const buf = new Uint8Array(ids.length * 24);
  const dv = new DataView(buf.buffer);
  ids.forEach((id, i) => {
    dv.setUint32(i * 24, i, true);
    dv.setBigUint64(i * 24 + 4, BigInt(id), true);
    dv.setUint32(i * 24 + 12, 4096, true);
    dv.setBigInt64(i * 24 + 16, -1n, true);
  });
  return buf;
}

test("replay counts every request, and a miss only when the page had to be loaded (ELDU or EAUG)", () => {
  // 40 distinct pages cycled 10 times: with 1 MiB of EPC they all stay resident after the build
  const ids = Array.from({ length: 400 }, (_, i) => 1000 + (i % 40) * 7);
  const dir = dirWith({ "cycle.oracleGeneral.bin": oracleGeneral(ids) });
  const roomy = json(["replay", "cycle.oracleGeneral.bin", "--epc", "1MiB"], dir);
  assert.deepEqual(roomy.replay, { requests: 400, misses: 0, missRatio: 0 });
  // with 40 pages cycled through less EPC than that, a CLOCK-like LRU misses on almost every request
  const tight = json(["replay", "cycle.oracleGeneral.bin", "--epc", "128KiB"], dir);
  assert.equal(tight.replay?.requests, 400);
  assert.ok((tight.replay?.misses ?? 0) > 300, `misses ${tight.replay?.misses}`);
  const p = tight.processes[0];
  assert.ok(p !== undefined && p.replay !== undefined);
  // each miss loaded at least one page for this process
  assert.ok(p.replay.misses <= p.paging.eldu + p.paging.eaug);
  assert.equal(p.replay.missRatio, p.replay.misses / p.replay.requests);
});

test("object ids become pages in first-seen order: a text trace of 3 distinct ids builds a 3-page working set", () => {
  const dir = dirWith({ "ids.txt": "# a comment\n900000\n5\n900000\n77\n5\n" });
  const s = json(["replay", "ids.txt", "--epc", "1MiB"], dir);
  assert.equal(s.replay?.requests, 5);
  // 3 trace pages and the TCS were added
  assert.equal(s.counters.EADD, 4);
});

test("without --tenant-column a trace's tenant column is read past: one enclave, pages mapped across tenants", () => {
  // tenant b's page 1 is tenant a's page 1 once tenants are ignored
  const dir = dirWith({ "shared.csv": "tenant,page\na,1\nb,1\na,2\nb,3\n" });
  const one = json(["replay", "shared.csv", "--epc", "1MiB"], dir);
  assert.equal(one.processes.length, 1);
  assert.equal(one.replay?.requests, 4);
  // 3 distinct pages and the TCS
  assert.equal(one.counters.EADD, 4);
  const each = json(["replay", "shared.csv", "--tenant-column", "--epc", "1MiB"], dir);
  assert.deepEqual(
    each.processes.map((p) => [p.name, p.replay?.requests]),
    [["a", 2], ["b", 2]],
  );
  // a: pages 1, 2; b: pages 1, 3; each with its TCS
  assert.equal(each.counters.EADD, 6);
});

test("tenants: each is its own process; a limited cgroup (v17) pages, the unlimited tenant does not", () => {
  // 8 MiB holds both tenants' pages: without a limit nobody misses
  const base = ["replay", "examples/traces/kv-two-tenants.csv", "--tenant-column", "--epc", "8MiB", "--kernel", "v17"];
  const free = json(base);
  const limited = json([...base, "--cgroup", "cache=/kv/cache", "--limit", "/kv/cache=1MiB"]);
  const by = (s: SimSummary, name: string) => s.processes.find((p) => p.name === name);
  assert.deepEqual(
    limited.processes.map((p) => [p.name, p.cgroup]),
    [
      ["cache", "/kv/cache"],
      ["batch", "/"],
    ],
  );
  assert.deepEqual(free.processes.map((p) => p.replay?.misses), [0, 0]);
  // 1 MiB (256 pages) for the cache's 1,000 pages: it misses about a third of its 6,000 requests; the batch still never
  assert.ok((by(limited, "cache")?.replay?.misses ?? 0) > 1500, `${by(limited, "cache")?.replay?.misses}`);
  assert.equal(by(limited, "batch")?.replay?.misses, 0);
  assert.equal(by(limited, "cache")?.replay?.tenant, "cache");
  const total = limited.processes.reduce((n, p) => n + (p.replay?.requests ?? 0), 0);
  assert.equal(total, 9000);
  assert.equal(limited.replay?.requests, 9000);
});

test("--timing trace turns the gaps between timestamps into think time", () => {
  const args = ["replay", "examples/traces/kv-two-tenants.csv", "--tenant-column", "--epc", "4MiB"];
  const fast = json(args);
  const timed = json([...args, "--timing", "trace"]);
  // the trace spans about 95 ms; back to back it takes far less
  assert.ok(timed.simulatedNs > 90_000_000, `${timed.simulatedNs}`);
  assert.ok(fast.simulatedNs < timed.simulatedNs / 2, `${fast.simulatedNs} vs ${timed.simulatedNs}`);
});

test("the scenario form resolves the trace from the scenario file's folder and names a tenant", () => {
  const dir = dirWith({ "t.csv": "tenant,page\na,1\nb,2\na,3\na,1\n" });
  const scenario = (access: string): string => `kernel: mainline
machine: { epc: 1MiB, cpus: 2 }
processes:
  - name: p
    program:
      enclave: { size: 64KiB, add: 64KiB, measure: false }
      access: ${access}
`;
  writeFileSync(join(dir, "ok.yaml"), scenario("{ trace: { file: t.csv, tenant: a } }"));
  // run from elsewhere: the path is the scenario file's, not the working directory's
  const s = json(["run", join(dir, "ok.yaml")], tmpdir());
  assert.deepEqual(s.processes[0]?.replay, { tenant: "a", trace: "t.csv", requests: 3, misses: 0, missRatio: 0 });
  // naming no tenant replays the whole trace, the tenant column read past: pages 1, 2, 3 across tenants
  writeFileSync(join(dir, "no-tenant.yaml"), scenario("{ trace: { file: t.csv } }"));
  const all = json(["run", join(dir, "no-tenant.yaml")], tmpdir());
  assert.deepEqual(all.processes[0]?.replay, { tenant: "", trace: "t.csv", requests: 4, misses: 0, missRatio: 0 });
  assert.equal(all.counters.EADD, 16);
  writeFileSync(join(dir, "typo.yaml"), scenario("{ trace: { file: t.csv, tenant: aa } }"));
  assert.match(epcsim(["run", join(dir, "typo.yaml"), "--quiet"]).stderr, /tenant: expected a tenant of the trace \(did you mean "a"\?\)/);
  writeFileSync(join(dir, "times.yaml"), scenario("{ trace: { file: t.csv, tenant: a, timing: trace } }"));
  assert.match(epcsim(["run", join(dir, "times.yaml"), "--quiet"]).stderr, /timing: expected a trace with timestamps/);
});

test("bad trace files are bad input: exit 2 and one line naming the file and the record", () => {
  const good = oracleGeneral([1, 2, 3]);
  const dir = dirWith({
    "cut.oracleGeneral.bin": good.subarray(0, 60),
    "nopage.csv": "time,tenant\n1,a\n",
    "huge.txt": "1\n9007199254740993\n",
    "trace.dat": "1\n",
  });
  const cases: [string, RegExp][] = [
    ["cut.oracleGeneral.bin", /^epcsim: .*cut\.oracleGeneral\.bin: record 3: truncated/],
    ["nopage.csv", /^epcsim: .*nopage\.csv.*page/],
    ["huge.txt", /^epcsim: .*huge\.txt:2: /],
    ["trace.dat", /^epcsim: .*trace\.dat: /],
  ];
  for (const [file, pattern] of cases) {
    const r = epcsim(["replay", file, "--quiet"], dir);
    assert.equal(r.code, 2, `${file}: ${r.stderr}`);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, pattern);
  }
  const r = epcsim(["replay", "examples/traces/kv-two-tenants.csv", "--tenant-column", "--cgroup", "nobody=/x", "--quiet"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--cgroup nobody=\/x: expected a tenant of the trace \("cache", "batch"\)/);
  // a bad flag names the flag, not a line of the scenario the replay builds
  for (const [flag, value, pattern] of [
    ["--epc", "1000000", /^epcsim: --epc 1000000: expected a positive multiple of 4096 bytes \(999424 is the nearest below\)\.$/],
    ["--epc", "1Mb", /^epcsim: --epc 1Mb: expected a size .*did you mean 1MiB/],
    ["--cpus", "0", /^epcsim: --cpus: expected a whole number from 1 to 1024, got "0"\.$/],
    ["--profile", "nope", /^epcsim: --profile: expected one of client-128m, /],
  ] as const) {
    const e = epcsim(["replay", "examples/traces/kv-two-tenants.csv", flag, value, "--quiet"]);
    assert.equal(e.code, 2, e.stderr);
    assert.match(e.stderr.trimEnd(), pattern);
  }
  const m = epcsim(["replay", "examples/traces/kv-two-tenants.csv", "--limit", "/a=1MiB", "--quiet"]);
  assert.equal(m.code, 2);
  assert.match(m.stderr, /--limit \/a=1MiB: mainline has no sgx_epc misc resource/);
});
