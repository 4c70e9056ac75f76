// The command line as a user meets it: exit codes, the one-line errors, the JSON contract.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../src/cli/main.js", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));

function epcsim(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function scenarioFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-"));
  const f = join(dir, "s.yaml");
  writeFileSync(f, text);
  return f;
}

const SMALL = `
machine: { epc: 4MiB, cpus: 2 }
processes:
  - name: app
    replicas: 2
    program:
      enclave: { size: 4MiB, add: 2MiB, tcs: 1 }
      access: { pattern: uniform, pages: 2MiB, count: 2000 }
  - name: dup
    program:
      steps:
        - create: { size: 64KiB }
        - addPages: { offset: 0, length: 4KiB }
        - addPages: { offset: 0, length: 4KiB }
events:
  - { at: 1ms, kill: "app[1]", signal: SIGTERM }
`;

test("run --json prints the result contract", () => {
  const r = epcsim("run", scenarioFile(SMALL), "--json", "--check-invariants");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  for (const k of ["kernel", "seed", "simulatedNs", "processes", "counters", "epc", "invariants"]) assert.ok(k in j, k);
  assert.equal(j.kernel, "mainline");
  assert.deepEqual(
    j.processes.map((p: { name: string }) => p.name),
    ["app[0]", "app[1]", "dup"],
  );
  for (const p of j.processes) for (const k of ["name", "cgroup", "exitCode", "signal", "error"]) assert.ok(k in p, k);
  const [a0, a1, dup] = j.processes;
  assert.equal(a0.exitCode, 0);
  assert.equal(a1.exitCode, 143);
  assert.equal(a1.signal, "SIGTERM");
  assert.deepEqual(dup.error, { op: "SGX_IOC_ENCLAVE_ADD_PAGES", errno: "EBUSY" });
  assert.equal(dup.exitCode, 1);
  for (const k of ["ECREATE", "EADD", "EEXTEND", "EINIT", "EREMOVE", "EPA", "EBLOCK", "ETRACK", "EWB", "ELDU", "EAUG", "EMODPR", "EMODT", "ipi", "faults", "reclaimBatches"])
    assert.equal(typeof j.counters[k], "number", k);
  assert.equal(j.epc.totalPages, 1024);
  assert.equal(j.epc.freePages, 1024);
  assert.ok(j.invariants.checked > 0);
  assert.deepEqual(j.invariants.violations, []);
});

test("the same file and seed give byte-identical output; --seed changes it", () => {
  const f = scenarioFile(SMALL);
  const a = epcsim("run", f, "--json");
  const b = epcsim("run", f, "--json");
  assert.equal(a.stdout, b.stdout);
  const c = epcsim("run", f, "--json", "--seed", "99");
  assert.equal(JSON.parse(c.stdout).seed, 99);
  assert.notEqual(c.stdout, a.stdout);
});

test("--out writes the five output files atomically (no temporary file left)", () => {
  const out = mkdtempSync(join(tmpdir(), "epcsim-out-"));
  const r = epcsim("run", scenarioFile(SMALL), "--out", out);
  assert.equal(r.code, 0);
  assert.ok(existsSync(join(out, "summary.json")));
  assert.deepEqual(readdirSync(out).sort(), ["events.jsonl", "report.html", "summary.json", "timeseries.csv", "trace.json"]);
  assert.equal(JSON.parse(readFileSync(join(out, "summary.json"), "utf8")).kernel, "mainline");
  assert.match(r.stdout, /processes/);
});

test("an invalid scenario exits 2 with one line naming file, line and field", () => {
  const f = scenarioFile("machine:\n  epc: 64 lemons\n");
  const r = epcsim("run", f);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1);
  assert.match(lines[0] ?? "", /s\.yaml:2:8: machine\.epc: expected a size/);
});

test("a missing file, a bad option and a bad --seed exit 2", () => {
  assert.equal(epcsim("run", "/nonexistent/x.yaml").code, 2);
  assert.equal(epcsim("run", scenarioFile(SMALL), "--bogus").code, 2);
  assert.equal(epcsim("run", scenarioFile(SMALL), "--seed", "abc").code, 2);
  assert.equal(epcsim("frobnicate").code, 2);
});

test("the same scenario file runs unchanged under mainline, v17 and v5", () => {
  const body = `
machine: { epc: 4MiB, cpus: 2 }
cgroups: { /t: { misc.max: "sgx_epc 524288" } }
processes:
  - { name: a, cgroup: /t, program: { enclave: { size: 4MiB, add: 1MiB }, access: { pattern: uniform, pages: 1MiB, count: 2000 } } }
  - { name: b, program: { enclave: { size: 1MiB, add: 256KiB }, access: { pattern: zipf, pages: 256KiB, count: 2000 } } }
`;
  const results = ["mainline", "v17", "v5"].map((k) => {
    const r = epcsim("run", scenarioFile(`kernel: ${k}\n${body}`), "--json", "--check-invariants");
    assert.equal(r.code, 0, `${k}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  });
  for (const j of results) {
    assert.deepEqual(j.invariants.violations, []);
    assert.deepEqual(
      j.processes.map((p: { exitCode: number }) => p.exitCode),
      [0, 0],
    );
  }
  const [mainline, v17, v5] = results;
  assert.equal(mainline.cgroups["/t"].files["misc.max"], "", "no sgx_epc resource on mainline");
  assert.equal(mainline.counters.EWB, 0, "a fits in the EPC without limits");
  assert.ok(v17.counters.EWB > 0 && v5.counters.EWB > 0, "the 512 KiB limit makes a page under v17 and v5");
  assert.equal(v17.cgroups["/t"].files["misc.peak"], "sgx_epc 524288\n");
  assert.equal(v5.cgroups["/t"].files["misc.peak"], undefined, "v5 runs with the pre-6.11 misc files");
});

test("schema and profiles print what they promise", () => {
  const s = epcsim("schema");
  assert.equal(s.code, 0);
  const published = JSON.parse(readFileSync(join(root, "schema/scenario.schema.json"), "utf8"));
  assert.deepEqual(JSON.parse(s.stdout), published, "schema/scenario.schema.json is up to date (npm run schema)");
  const p = epcsim("profiles");
  assert.match(p.stdout, /^name +EPC +sections\/NUMA +CPUs +clock +description\n/);
  assert.match(p.stdout, /^client-128m +93\.5 MiB \(23936 pages\) +1 section \/ 1 node +8 CPUs +3 GHz /m);
  assert.match(p.stdout, /^azure-dc1s-v2 +28 MiB +1 section \/ 1 node +1 CPU +3\.7 GHz /m);
  const az = epcsim("profiles", "Standard_DC16s_v3");
  assert.equal(az.code, 0, az.stderr);
  assert.match(az.stdout, /^azure-dc16s-v3: /);
  assert.match(az.stdout, /^\| EPC \| 64 GiB \(16777216 pages\); section 0: 64 GiB on node 0; 1 NUMA node \| documented \| Microsoft docs/m);
  assert.match(az.stdout, /^\| clockGhz \| 2\.8 \| GHz \| derived \|/m);
  const d = epcsim("profiles", "client-128m");
  assert.match(d.stdout, /\| ewb \| 13000 \| cycles \| derived \|/);
  const bad = epcsim("profiles", "nope");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^epcsim: Unknown profile "nope"; expected one of client-128m, [^\n]*\.\n$/);
});

/** examples too big for the test suite: the bench runs them, a scaled-down copy is tested (docs/calibration.md) */
const HEAVY_EXAMPLES = new Set(["graphene-8g-heap.yaml"]);

test("the examples run", () => {
  for (const f of readdirSync(join(root, "examples")).filter((x) => x.endsWith(".yaml") && !HEAVY_EXAMPLES.has(x))) {
    const r = epcsim("run", join("examples", f), "--json");
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout).invariants.violations, []);
  }
});

test("the heavy examples load, and their scaled-down copies differ from them only in size", () => {
  for (const f of HEAVY_EXAMPLES) {
    const r = epcsim("run", join("examples", f), "--set", "until=1us", "--quiet");
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
  }
  const full = readFileSync(join(root, "examples/graphene-8g-heap.yaml"), "utf8").split("\n").filter((l) => !l.startsWith("#"));
  const small = readFileSync(join(root, "test/calibration/graphene-heap-1of64.yaml"), "utf8").split("\n").filter((l) => !l.startsWith("#"));
  assert.equal(small.length, full.length);
  const sizes = /8GiB|128MiB|8388604KiB|131068KiB|2097151|32767/g;
  assert.deepEqual(
    small.map((l) => l.replace(sizes, "N").replace(/, epc: 1531904 }.*$/, " }")),
    full.map((l) => l.replace(sizes, "N")),
  );
});

test("bin/epcsim.js is an executable entry point (what npx epcsim runs)", () => {
  const r = spawnSync(join(root, "bin/epcsim.js"), ["--help"], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr ?? String(r.error));
  assert.match(r.stdout, /Usage: epcsim/);
});

test("the debate example: secs+va finds the sleeping enclave through its VA page, secs-only cannot (docs/debate-secs-only.md)", () => {
  const victims = (...extra: string[]) => {
    const r = epcsim("run", "examples/debate-secs-only.yaml", "--json", ...extra);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).oom.map((o: { victim: string }) => o.victim);
  };
  assert.deepEqual(victims(), ["sleeper", "worker"]);
  // every SECS was paged out with its enclave's last child: a SECS-only OOM path finds no victim
  assert.deepEqual(victims("--set", "policy.unreclaimableTracking=secs-only"), []);
  assert.equal(epcsim("run", "examples/debate-secs-only.yaml", "--set", "policy.unreclaimableTracking=maybe").code, 2);
  assert.equal(epcsim("run", "examples/debate-secs-only.yaml", "--set", "novalue").code, 2);
});

test("compare runs each kernel generation and prints one column per variant", () => {
  const r = epcsim("compare", "examples/debate-secs-only.yaml", "--kernel", "mainline,v17,v5", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0] ?? "", /^\s+mainline\s+v17\s+v5$/);
  for (const what of ["exit worker", "EPC OOM kills", "memcg OOM kills", "ENOMEM failures", "EWB executions", "pages written back", "ELDU (pages loaded back)", "simulated time"]) {
    assert.ok(lines.some((l) => l.startsWith(what)), what);
  }
  // only v5 kills enclaves
  const oom = (lines.find((l) => l.startsWith("EPC OOM kills")) ?? "").split(/\s{2,}/);
  assert.deepEqual(oom.slice(1, 3), ["0", "0"]);
  assert.ok(Number(oom[3]) > 0);
});

test("compare --set takes comma-separated values; --json and --out write every variant and one overlaid report", () => {
  const out = mkdtempSync(join(tmpdir(), "epcsim-cmp-"));
  const r = epcsim("compare", "examples/debate-secs-only.yaml", "--set", "policy.unreclaimableTracking=secs+va,secs-only", "--json", "--out", out);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { variants: { label: string; summary: { kernel: string } }[]; rows: { what: string; values: string[] }[] };
  assert.deepEqual(
    doc.variants.map((v) => v.label),
    ["policy.unreclaimableTracking=secs+va", "policy.unreclaimableTracking=secs-only"],
  );
  assert.ok(doc.rows.every((row) => row.values.length === 2));
  assert.deepEqual(readdirSync(out).sort(), ["comparison.json", "policy.unreclaimableTracking=secs-only", "policy.unreclaimableTracking=secs_va", "report.html"]);
  assert.deepEqual(readdirSync(join(out, "policy.unreclaimableTracking=secs-only")).sort(), ["events.jsonl", "report.html", "summary.json", "timeseries.csv", "trace.json"]);
  const html = readFileSync(join(out, "report.html"), "utf8");
  assert.ok(html.includes("policy.unreclaimableTracking=secs+va") && html.includes("policy.unreclaimableTracking=secs-only"));
});

test("compare refuses an unknown generation and a single variant with exit 2 and one line", () => {
  const bad = epcsim("compare", "examples/quickstart.yaml", "--kernel", "mainline,v9");
  assert.equal(bad.code, 2);
  assert.equal(bad.stdout, "");
  assert.match(bad.stderr, /^epcsim: --kernel: expected a comma-separated list of mainline, v17 and v5, got "mainline,v9"\.\n$/);
  const one = epcsim("compare", "examples/quickstart.yaml");
  assert.equal(one.code, 2);
  assert.match(one.stderr, /^epcsim: compare: expected at least two variants/);
  const missing = epcsim("compare", "examples/quickstart.yaml", "nope.yaml");
  assert.equal(missing.code, 2);
  assert.equal(missing.stderr.trimEnd().split("\n").length, 1);
});

test("run --out with --sample-interval samples at that interval; a bad interval exits 2", () => {
  const out = mkdtempSync(join(tmpdir(), "epcsim-si-"));
  const r = epcsim("run", scenarioFile(SMALL), "--out", out, "--sample-interval", "500us", "--quiet");
  assert.equal(r.code, 0, r.stderr);
  const times = readFileSync(join(out, "timeseries.csv"), "utf8").trimEnd().split("\n").slice(1).map((l) => Number(l.split(",")[0]));
  assert.deepEqual(times.slice(0, 3), [500_000, 1_000_000, 1_500_000]);
  const bad = epcsim("run", scenarioFile(SMALL), "--sample-interval", "soon");
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /sample-interval/);
});

test("an --out path that cannot be a directory exits 2 with one line before anything is simulated", () => {
  const file = scenarioFile(SMALL);
  const blocker = join(mkdtempSync(join(tmpdir(), "epcsim-blk-")), "plain-file");
  writeFileSync(blocker, "x");
  for (const args of [
    ["run", file, "--out", join(blocker, "out")],
    ["compare", file, "--kernel", "mainline,v17", "--out", join(blocker, "out")],
    ["selftest", "--capacity", "32MiB", "--out", join(blocker, "out")],
  ]) {
    const r = epcsim(...args, "--quiet");
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^epcsim: --out .*plain-file\/out: expected a directory epcsim can create and write to \(.*\)\.\n$/);
  }
});

test("conformance: a case file that is not YAML is named with its line and column, exit 2", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-conf-"));
  writeFileSync(join(dir, "bad.yaml"), "behaviour: M1\nexpect: [\n");
  const r = epcsim("conformance", "--dir", dir);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^epcsim: .*bad\.yaml:\d+:\d+: the case is not valid YAML: [^\n]+\n$/);
});

test("run --out records a long single-threaded run (once a stack overflow at ~70k faults on one thread)", () => {
  const f = scenarioFile("machine: { epc: 8MiB, cpus: 1 }\nprocesses:\n  - name: t\n    program:\n      enclave: { size: 16MiB, add: 12MiB, measure: false }\n      access: { pattern: uniform, pages: 12MiB, count: 100000 }\n");
  const out = mkdtempSync(join(tmpdir(), "epcsim-long-"));
  const r = epcsim("run", f, "--out", out, "--quiet", "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.stdout).counters.faults > 70_000);
  const trace = JSON.parse(readFileSync(join(out, "trace.json"), "utf8")) as { traceEvents: { name: string; ph: string }[] };
  assert.ok(trace.traceEvents.filter((e) => e.name === "page fault" && e.ph === "B").length > 70_000);
  assert.deepEqual(readdirSync(out).sort(), ["events.jsonl", "report.html", "summary.json", "timeseries.csv", "trace.json"], "no staging directory is left behind");
});

test("--out refuses a directory with files in it unless --force, so two runs' files never mix", () => {
  const f = scenarioFile("machine: { epc: 1MiB }\n");
  const out = mkdtempSync(join(tmpdir(), "epcsim-nonempty-"));
  writeFileSync(join(out, "notes.txt"), "mine");
  const r = epcsim("run", f, "--out", out, "--quiet");
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^epcsim: --out .*: expected an empty directory, and this one has files in it \(add --force to replace the files of an earlier run\)\.\n$/);
  assert.deepEqual(readdirSync(out), ["notes.txt"], "nothing written");
  const c = epcsim("compare", f, f, "--out", out, "--quiet");
  assert.equal(c.code, 2);
  const forced = epcsim("run", f, "--out", out, "--quiet", "--force");
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(readdirSync(out).sort(), ["events.jsonl", "notes.txt", "report.html", "summary.json", "timeseries.csv", "trace.json"]);
});

test("epcsim --version prints the package's version; a reader that stops early is not an error", () => {
  const v = epcsim("--version");
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  const r = spawnSync("bash", ["-c", `set -o pipefail; "${process.execPath}" "${cli}" schema | head -1`], { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "{\n");
});

test("a time-zero cgroup write the kernel refuses is bad input (exit 2, one line with a hint) unless the entry expects it", () => {
  const cases: [string, RegExp][] = [
    ['kernel: v17\ncgroups:\n  /a: { misc.max: "sgx_epc 32MiB" }\n', /: cgroups\["\/a"\]\["misc\.max"\]: the kernel refuses the write "sgx_epc 32MiB" with EINVAL; write "sgx_epc 33554432" /],
    ["kernel: v5\ncgroups:\n  /a: { misc.max: 50331648 }\n", /: cgroups\["\/a"\]\["misc\.max"\]: the kernel refuses the write "50331648" with EINVAL; write "sgx_epc 50331648" /],
    ["kernel: v17\ncgroups:\n  /b: { memory.max: 64MiB }\n", /: cgroups\["\/b"\]\["memory\.max"\]: the kernel refuses the write "64MiB" with EINVAL; write "67108864" /],
  ];
  for (const [text, message] of cases) {
    const f = scenarioFile(text);
    const r = epcsim("run", f);
    assert.equal(r.code, 2, text);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, message);
    assert.ok(r.stderr.startsWith(`epcsim: ${f}: `) && r.stderr.trimEnd().split("\n").length === 1, r.stderr);
  }
  // the failure as the point of the scenario: recorded, not bad input
  const expected = epcsim("run", scenarioFile("kernel: v17\ncgroups:\n  /b: { memory.max: 64MiB, expect: EINVAL }\n"), "--json");
  assert.equal(expected.code, 0, expected.stderr);
  assert.equal(JSON.parse(expected.stdout).fileOps[0].result, "EINVAL");
  assert.equal(epcsim("run", scenarioFile("cgroups:\n  /b: { expect: 22 }\n")).code, 2);
  // a well-formed sgx_epc limit on mainline (no such resource) still runs, so one file serves every generation
  const mainline = epcsim("run", scenarioFile('cgroups:\n  /a: { misc.max: "sgx_epc 1048576" }\n'), "--json");
  assert.equal(mainline.code, 0, mainline.stderr);
  assert.equal(JSON.parse(mainline.stdout).fileOps[0].result, "EINVAL");
});

/** one line on stderr, exit 2, nothing on stdout, no raw control character */
function badInput(r: { code: number; stdout: string; stderr: string }, what: string): string {
  assert.equal(r.code, 2, `${what}: ${r.stderr}`);
  assert.equal(r.stdout, "", what);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${what}: one line, got ${r.stderr}`);
  assert.doesNotMatch(r.stderr.trimEnd(), /[\u0000-\u001f\u007f-\u009f]/u, `${what}: no raw control character`);
  return lines[0] as string;
}

test("--set reaches keys with dots or slashes and list items; an error names the --set argument", () => {
  const f = scenarioFile('kernel: v17\ncgroups:\n  /a: { misc.max: "sgx_epc 4096" }\nprocesses:\n  - { name: p, cgroup: /a, program: { vm: { epc: 1MiB, touch: 64KiB } } }\n');
  const r = epcsim("run", f, "--json", "--set", 'cgroups["/a"]["misc.max"]=sgx_epc 1048576', "--set", "processes[0].memory=1MiB", "--set", "policy.oomVictim=most-epc");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.cgroups["/a"].files["misc.max"], "sgx_epc 1048576\n");
  assert.equal(j.cgroups["/a"].files["memory.max"], "max\n");
  // the old dotted form still works
  assert.equal(epcsim("run", f, "--set", "policy.oomVictim=most-epc", "--quiet").code, 0);
  const unit = badInput(epcsim("run", f, "--set", "processes[0].memory=1Mb"), "a bad unit");
  assert.equal(unit, `epcsim: ${f}: --set processes[0].memory=1Mb: expected a size such as 64MiB or 4096 (bytes), got "1Mb"; did you mean 1MiB (1048576 bytes) or 1MB (1000000 bytes)?`);
  // a time-zero write the kernel refuses, given by --set: the argument is named too
  const refused = badInput(epcsim("run", f, "--set", 'cgroups["/a"]["misc.max"]=sgx_epc 1MiB'), "a refused write");
  assert.ok(refused.startsWith(`epcsim: ${f}: --set cgroups["/a"]["misc.max"]=sgx_epc 1MiB: the kernel refuses the write "sgx_epc 1MiB" with EINVAL; write "sgx_epc 1048576"`), refused);
  // compare splits each value on commas, and names the variant's argument
  const cmp = badInput(epcsim("compare", f, "--set", "processes[0].memory=1MiB,2mib", "--quiet"), "compare");
  assert.match(cmp, /--set processes\[0\]\.memory=2mib: expected a size .*; did you mean 2MiB\?$/u);
  const syntax = badInput(epcsim("run", f, "--set", "cgroups[/a]=1"), "a malformed path");
  assert.match(syntax, /--set .*expected a list index or a quoted key inside \[ \]/u);
  assert.match(badInput(epcsim("run", f, "--set", "processes[0].memory=1MiB\u001b[2J"), "control characters"), /got "1MiB\\u001b\[2J"/u);
});

test("a process cgroup declared nowhere while cgroups: declares others is one warning on stderr; the run proceeds", () => {
  const f = scenarioFile('kernel: v17\ncgroups:\n  /pods/web: { misc.max: "sgx_epc 1048576" }\nprocesses:\n  - { name: p, cgroup: /pods/wbe, program: { vm: { epc: 1MiB } } }\n');
  const r = epcsim("run", f, "--json");
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).processes[0].cgroup, "/pods/wbe");
  assert.equal(r.stderr, `epcsim: warning: ${f}:5:24: processes[0].cgroup: "/pods/wbe" is not declared in cgroups (it is created at time zero, without limits); the closest declared cgroup is "/pods/web"\n`);
  // compare loads the file once per variant and warns once
  const c = epcsim("compare", f, "--kernel", "v17,v5", "--quiet");
  assert.equal(c.code, 0, c.stderr);
  assert.equal(c.stderr.split("\n").filter((l) => l.includes("warning")).length, 1, c.stderr);
});

test("bad files: binary bytes, an alias bomb, duplicate keys and non-strict JSON each exit 2 with one line naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-bad-"));
  const write = (name: string, content: string | Uint8Array): string => {
    const f = join(dir, name);
    writeFileSync(f, content);
    return f;
  };
  const png = write("image.yaml", Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
  assert.match(badInput(epcsim("run", png), "binary"), new RegExp(`^epcsim: ${png}:1:1: the file is not valid YAML or JSON: byte 0x89 is not UTF-8 text`, "u"));
  const ctl = write("ctl.yaml", "seed: 1\u001b[31m\n");
  assert.match(badInput(epcsim("run", ctl), "an escape sequence"), /ctl\.yaml:1:8: the file is not valid YAML or JSON: the control character U\+001B /u);
  const rows = ["a: &a [x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g", "h", "i"].map((n, i) => `${n}: &${n} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)];
  const bomb = write("bomb.yaml", `${rows.join("\n")}\n`);
  assert.match(badInput(epcsim("run", bomb), "alias bomb"), /bomb\.yaml:2:8: the file is not valid YAML or JSON: its aliases expand into more than 1000 copies/u);
  const dup = write("dup.yaml", "seed: 1\nmachine: { cpus: 2, cpus: 4 }\n");
  assert.match(badInput(epcsim("run", dup), "duplicate key"), /dup\.yaml:2:21: machine\.cpus: the key "cpus" appears twice in one mapping \(first at line 2, column 12\)/u);
  const json = write("trailing.json", '{\n  "seed": 1,\n  "machine": { "cpus": 2, },\n}\n');
  assert.match(badInput(epcsim("run", json), "trailing comma"), /trailing\.json:3:27: the file is not strict JSON: expected double-quoted property name/u);
  const dupJson = write("dup.json", '{"seed": 1, "seed": 2}');
  assert.match(badInput(epcsim("run", dupJson), "duplicate JSON key"), /dup\.json:1:13: seed: the key "seed" appears twice/u);
});

test("a misspelt unit on the command line gets the nearest spelling", () => {
  assert.match(badInput(epcsim("run", scenarioFile(SMALL), "--sample-interval", "1MS"), "--sample-interval"), /did you mean 1ms\?/u);
  assert.match(badInput(epcsim("selftest", "--capacity", "128mb", "--quiet"), "--capacity"), /^epcsim: --capacity: expected a size .*got "128mb"; did you mean 128MiB \(134217728 bytes\) or 128MB \(128000000 bytes\)\?$/u);
});
