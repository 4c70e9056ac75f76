// The dashboard's routes, in process (fastify's inject): the pages and their bundled scripts, the
// listing of --dir, the confinement to --dir (.., absolute paths, symbolic links out: 404), the
// 1 MiB limit, uploads only into uploads/, the editor's check with the CLI's messages, and jobs: the
// stream carries the very rows and events the --out files hold, resumes after Last-Event-ID, and at
// most --jobs run at once.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildServer, MAX_SCENARIO_BYTES } from "./server.js";
import type { Job } from "./jobs.js";
import { loadScenarioFile, ScenarioError } from "../scenario/load.js";
import { simulateRecorded } from "../report/outputs.js";
import { formatEventsJsonl } from "../report/events.js";
import type { StreamMessage } from "./protocol.js";

const workerUrl = new URL("../cli/serve-worker.js", import.meta.url);

const TINY = `kernel: mainline
seed: 1
machine: { epc: 8MiB, cpus: 2 }
processes:
  - name: p
    program:
      enclave: { size: 16MiB, add: 4MiB }
      access: { pattern: uniform, pages: 10MiB, count: 20000 }
  - name: q
    start: 1ms
    program:
      enclave: { size: 16MiB, add: 4MiB }
      access: { pattern: uniform, pages: 4MiB, count: 5000 }
`;

/** a --dir with scenarios, a secret beside it (outside) and symbolic links in and out */
function fixture(): { base: string; dir: string } {
  const base = mkdtempSync(join(tmpdir(), "epcsim-serve-"));
  const dir = join(base, "dir");
  mkdirSync(join(dir, "sub"), { recursive: true });
  writeFileSync(join(dir, "tiny.yaml"), TINY);
  writeFileSync(join(dir, "sub", "nested.yaml"), TINY);
  writeFileSync(join(dir, "notes.txt"), "inside\n");
  mkdirSync(join(base, "outside"));
  writeFileSync(join(base, "secret.yaml"), "kernel: mainline # secret\n");
  writeFileSync(join(base, "outside", "secret.txt"), "secret\n");
  symlinkSync(join(base, "secret.yaml"), join(dir, "link-out.yaml"));
  symlinkSync(join(base, "outside"), join(dir, "dir-out"));
  symlinkSync(join(dir, "notes.txt"), join(dir, "link-in.txt"));
  return { base, dir };
}

const bases: string[] = [];
after(() => {
  for (const b of bases) rmSync(b, { recursive: true, force: true });
});

async function server(jobs = 1): Promise<Awaited<ReturnType<typeof buildServer>> & { dir: string; base: string }> {
  const f = fixture();
  bases.push(f.base);
  const s = await buildServer({ dir: f.dir, jobs, workerUrl });
  return { ...s, ...f };
}

/** resolves when the job has finished */
function finished(job: Job): Promise<void> {
  return new Promise((resolve) => {
    const un = job.subscribe(job.messages.length, () => {
      if (job.finished) {
        queueMicrotask(() => un());
        resolve();
      }
    });
    if (job.finished) resolve();
  });
}

/** the SSE text as messages with their ids */
function parseSse(text: string): { id: number; event: string; data: StreamMessage }[] {
  return text
    .split("\n\n")
    .filter((b) => b.includes("data: "))
    .map((b) => {
      const field = (name: string): string => (b.split("\n").find((l) => l.startsWith(`${name}: `)) ?? "").slice(name.length + 2);
      return { id: Number(field("id")), event: field("event"), data: JSON.parse(field("data")) as StreamMessage };
    });
}

test("the pages, their scripts and vega are served from this server, with a policy that forbids loading from elsewhere", async () => {
  const { app } = await server();
  try {
    const index = await app.inject({ url: "/" });
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /<title>epcsim dashboard: scenarios<\/title>/);
    assert.match(String(index.headers["content-security-policy"]), /default-src 'self'/);
    for (const page of ["/run.html", "/compare.html", "/results.html"]) {
      const r = await app.inject({ url: page });
      assert.equal(r.statusCode, 200, page);
      // every script and stylesheet is a path on this server
      for (const m of r.body.matchAll(/(?:src|href)="([^"]*)"/g)) assert.ok(m[1]?.startsWith("/") || m[1] === "data:,", `${page}: ${m[1]}`);
    }
    for (const v of ["/vendor/vega.min.js", "/vendor/vega-lite.min.js", "/cause.js", "/charts.js"]) {
      const r = await app.inject({ url: v });
      assert.equal(r.statusCode, 200, v);
      assert.match(String(r.headers["content-type"]), /javascript/);
    }
    const cause = await app.inject({ url: "/cause.js" });
    assert.match(cause.body, /EPC OOM victim/);
    assert.equal((await app.inject({ url: "/vendor/other.js" })).statusCode, 404);
  } finally {
    await app.close();
  }
});

test("other sites get nothing: a Host that is not a loopback name (DNS rebinding) and changes from another origin (CSRF) are 403", async () => {
  const { app, dir } = await server();
  try {
    assert.equal((await app.inject({ url: "/api/scenarios", headers: { host: "127.0.0.1:8080" } })).statusCode, 200);
    assert.equal((await app.inject({ url: "/api/scenarios", headers: { host: "localhost" } })).statusCode, 200);
    const rebound = await app.inject({ url: "/files/tiny.yaml", headers: { host: "attacker.example:8080" } });
    assert.equal(rebound.statusCode, 403);
    assert.doesNotMatch(rebound.body, /kernel/);
    const csrf = await app.inject({ method: "PUT", url: "/api/uploads/x.yaml", headers: { host: "127.0.0.1:8080", origin: "https://attacker.example", "content-type": "text/plain" }, payload: TINY });
    assert.equal(csrf.statusCode, 403);
    assert.equal(existsSync(join(dir, "uploads", "x.yaml")), false);
    const own = await app.inject({ method: "PUT", url: "/api/uploads/x.yaml", headers: { host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080", "content-type": "text/plain" }, payload: TINY });
    assert.equal(own.statusCode, 200);
  } finally {
    await app.close();
  }
});

test("the scenarios under --dir are listed, nothing through a link out, and read back for the editor", async () => {
  const { app } = await server();
  try {
    const r = await app.inject({ url: "/api/scenarios" });
    assert.deepEqual(r.json().files, ["tiny.yaml", "sub/nested.yaml"]);
    const text = await app.inject({ url: "/api/scenarios/sub/nested.yaml" });
    assert.equal(text.statusCode, 200);
    assert.equal(text.body, TINY);
  } finally {
    await app.close();
  }
});

test("no path outside --dir is read or served: .., encoded .., absolute paths and symbolic links out are 404", async () => {
  const { app } = await server();
  try {
    const refused = [
      "/files/../secret.yaml",
      "/files/%2e%2e/secret.yaml",
      "/files/..%2fsecret.yaml",
      "/files/sub/..%2f..%2fsecret.yaml",
      "/files//etc/passwd",
      "/files/%2Fetc%2Fpasswd",
      "/files/link-out.yaml",
      "/files/dir-out/secret.txt",
      "/files/notes.txt%00.yaml",
      "/api/scenarios/..%2fsecret.yaml",
      "/api/scenarios/link-out.yaml",
      "/api/scenarios/dir-out/secret.txt",
      "/../secret.yaml",
      "/%2e%2e/secret.yaml",
    ];
    for (const url of refused) {
      const r = await app.inject({ url });
      assert.equal(r.statusCode, 404, url);
      assert.doesNotMatch(r.body, /secret/, url);
    }
    // a run may not name a file outside either
    for (const file of ["../secret.yaml", "link-out.yaml", "/etc/passwd"]) {
      const r = await app.inject({ method: "POST", url: "/api/runs", payload: { file } });
      assert.equal(r.statusCode, 404, file);
    }
    // inside, through a link inside too, it is served
    assert.equal((await app.inject({ url: "/files/notes.txt" })).body, "inside\n");
    assert.equal((await app.inject({ url: "/files/link-in.txt" })).body, "inside\n");
    assert.equal((await app.inject({ url: "/files/sub/../notes.txt" })).statusCode, 200);
  } finally {
    await app.close();
  }
});

test("a scenario of more than 1 MiB is refused (413); one of exactly 1 MiB is taken", async () => {
  const { app, dir } = await server();
  try {
    const over = await app.inject({ method: "PUT", url: "/api/uploads/big.yaml", headers: { "content-type": "text/plain" }, payload: Buffer.alloc(MAX_SCENARIO_BYTES + 1, "#") });
    assert.equal(over.statusCode, 413);
    assert.match(over.json().error, /larger than the limit of 1048576 bytes/);
    assert.equal(existsSync(join(dir, "uploads", "big.yaml")), false);
    const check = await app.inject({ method: "POST", url: "/api/validate?name=big.yaml", headers: { "content-type": "text/plain" }, payload: Buffer.alloc(MAX_SCENARIO_BYTES + 1, "#") });
    assert.equal(check.statusCode, 413);
    const exact = await app.inject({ method: "PUT", url: "/api/uploads/big.yaml", headers: { "content-type": "text/plain" }, payload: Buffer.alloc(MAX_SCENARIO_BYTES, "#") });
    assert.equal(exact.statusCode, 200);
    assert.equal(readFileSync(join(dir, "uploads", "big.yaml")).length, MAX_SCENARIO_BYTES);
  } finally {
    await app.close();
  }
});

test("uploads go into --dir/uploads/ only: a bad name is refused, a planted link is replaced, not followed, and uploads/ leading out is refused", async () => {
  const { app, dir, base } = await server();
  try {
    for (const name of ["..%2fescape.yaml", "%2e%2e.yaml", ".hidden.yaml", "x.txt", "a%2fb.yaml"]) {
      const r = await app.inject({ method: "PUT", url: `/api/uploads/${name}`, headers: { "content-type": "text/plain" }, payload: TINY });
      assert.ok(r.statusCode === 400 || r.statusCode === 404, `${name}: ${r.statusCode}`);
    }
    assert.equal(existsSync(join(base, "escape.yaml")), false);
    const ok = await app.inject({ method: "PUT", url: "/api/uploads/mine.yaml", headers: { "content-type": "text/plain" }, payload: TINY });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.json().path, "uploads/mine.yaml");
    assert.equal(ok.json().validation.ok, true);
    // a link planted at an upload's name points outside: the upload replaces the link
    symlinkSync(join(base, "secret.yaml"), join(dir, "uploads", "planted.yaml"));
    await app.inject({ method: "PUT", url: "/api/uploads/planted.yaml", headers: { "content-type": "text/plain" }, payload: TINY });
    assert.equal(readFileSync(join(base, "secret.yaml"), "utf8"), "kernel: mainline # secret\n");
    assert.equal(lstatSync(join(dir, "uploads", "planted.yaml")).isSymbolicLink(), false);
    // uploads/ itself a link out of --dir: nothing is written
    rmSync(join(dir, "uploads"), { recursive: true });
    symlinkSync(join(base, "outside"), join(dir, "uploads"));
    const out = await app.inject({ method: "PUT", url: "/api/uploads/x.yaml", headers: { "content-type": "text/plain" }, payload: TINY });
    assert.equal(out.statusCode, 403);
    assert.equal(existsSync(join(base, "outside", "x.yaml")), false);
  } finally {
    await app.close();
  }
});

test("the editor's check gives the CLI's one-line messages, with the line and column they name", async () => {
  const { app, dir, base } = await server();
  try {
    const bad = TINY.replace("cpus: 2", "cpus: two");
    const r = (await app.inject({ method: "POST", url: "/api/validate?name=bad.yaml", headers: { "content-type": "text/plain" }, payload: bad })).json();
    writeFileSync(join(dir, "bad.yaml"), bad);
    let cli = "";
    try {
      loadScenarioFile(join(dir, "bad.yaml"));
    } catch (e) {
      assert.ok(e instanceof ScenarioError);
      cli = e.message;
    }
    assert.equal(r.ok, false);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0].message, cli.replace(join(dir, "bad.yaml"), "uploads/bad.yaml"));
    assert.equal(r.errors[0].line, 3);
    assert.equal(typeof r.errors[0].col, "number");
    // bytes that are not UTF-8: the CLI's message for a binary file, at its line and column
    const binary = Buffer.concat([Buffer.from("kernel: mainline\nseed: \u00e9"), Buffer.from([0xff, 0xfe]), Buffer.from("\n")]);
    const b = (await app.inject({ method: "POST", url: "/api/validate?name=b.yaml", headers: { "content-type": "application/octet-stream" }, payload: binary })).json();
    assert.match(b.errors[0].message, /^uploads\/b\.yaml:2:8: the file is not valid YAML or JSON: byte 0xff is not UTF-8 text/);
    // a trace file outside --dir is never read
    const trace = TINY.replace("{ pattern: uniform, pages: 10MiB, count: 20000 }", `{ trace: { file: "${join(base, "outside", "secret.txt")}" } }`);
    const t = (await app.inject({ method: "POST", url: "/api/validate?name=t.yaml", headers: { "content-type": "text/plain" }, payload: trace })).json();
    assert.match(t.errors[0].message, /^uploads\/t\.yaml:8:\d+: trace\.file: expected a trace file under the dashboard's --dir/);
    const rel = (await app.inject({ method: "POST", url: "/api/validate?name=t.yaml", headers: { "content-type": "text/plain" }, payload: trace.replace(join(base, "outside", "secret.txt"), "../../outside/secret.txt") })).json();
    assert.match(rel.errors[0].message, /trace\.file: expected a trace file under/);
    const good = (await app.inject({ method: "POST", url: "/api/validate?name=g.yaml", headers: { "content-type": "text/plain" }, payload: TINY })).json();
    assert.deepEqual(good, { ok: true, errors: [], warnings: [] });
  } finally {
    await app.close();
  }
});

test("a run streams the rows and events its --out files hold; a reconnect resumes after Last-Event-ID; the results are listed", async () => {
  const { app, queue, dir } = await server();
  try {
    const r = await app.inject({ method: "POST", url: "/api/runs", payload: { file: "tiny.yaml" } });
    assert.equal(r.statusCode, 202);
    const job = queue.get(r.json().id) as Job;
    await finished(job);
    assert.equal(job.status, "done", String(job.error));
    const all = parseSse((await app.inject({ url: `/api/jobs/${job.id}/stream` })).body);
    assert.deepEqual(
      all.map((m) => m.id),
      all.map((_m, i) => i + 1),
    );
    assert.deepEqual(all.at(-1)?.data, { type: "status", status: "done", dir: job.dir, wallMs: (all.at(-1)?.data as { wallMs: number }).wallMs });
    const rows = all.flatMap((m) => (m.data.type === "samples" ? m.data.rows : []));
    const events = all.flatMap((m) => (m.data.type === "events" ? m.data.events : []));
    // the same run recorded as --out records it
    const rec = simulateRecorded(loadScenarioFile(join(dir, "tiny.yaml"))).recorder;
    assert.ok(rows.length > 10);
    assert.deepEqual(rows, rec.rows);
    assert.deepEqual(events, rec.events);
    // and those are the files' contents: events.jsonl as written into the job's folder
    assert.equal(readFileSync(join(dir, job.dir, "events.jsonl"), "utf8"), formatEventsJsonl(rec));
    // resume: only what came after the last id seen
    const resumed = parseSse((await app.inject({ url: `/api/jobs/${job.id}/stream`, headers: { "last-event-id": "3" } })).body);
    assert.deepEqual(
      resumed.map((m) => m.id),
      all.slice(3).map((m) => m.id),
    );
    // the result replayed from its files: the same rows, and the events in events.jsonl's order
    const replay = parseSse((await app.inject({ url: `/api/results/stream?dir=${encodeURIComponent(job.dir)}` })).body);
    assert.deepEqual(
      replay.flatMap((m) => (m.data.type === "samples" ? m.data.rows : [])),
      rows,
    );
    const byTime = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.atNs - b.e.atNs || a.i - b.i).map((x) => x.e);
    assert.deepEqual(
      replay.flatMap((m) => (m.data.type === "events" ? m.data.events : [])),
      byTime,
    );
    assert.deepEqual(
      replay.map((m) => m.event),
      ["status", "meta", "samples", "events", "progress", "variant-done", "done", "status"],
    );
    assert.equal((await app.inject({ url: "/api/results/stream?dir=../dir" })).statusCode, 404);
    const results = (await app.inject({ url: "/api/results" })).json();
    assert.deepEqual(results.map((x: { dir: string }) => x.dir), [job.dir]);
    assert.deepEqual(results[0].files, ["report.html", "summary.json", "timeseries.csv", "events.jsonl", "trace.json"]);
    assert.equal((await app.inject({ url: `/files/${job.dir}/report.html` })).statusCode, 200);
    // the sweep extension point lists folders with a sweep.csv
    mkdirSync(join(dir, "sweeps", "grid"), { recursive: true });
    writeFileSync(join(dir, "sweeps", "grid", "sweep.csv"), "a,b\n");
    assert.deepEqual((await app.inject({ url: "/api/sweeps" })).json().map((x: { dir: string; files: string[] }) => [x.dir, x.files]), [["sweeps/grid", ["sweep.csv"]]]);
  } finally {
    await app.close();
  }
});

test("at most --jobs simulations run at once, the rest queue in order; a stopped job leaves no folder", async () => {
  const { app, queue, dir } = await server(1);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await app.inject({ method: "POST", url: "/api/runs", payload: { file: "tiny.yaml" } })).json().id);
    const info = (await app.inject({ url: "/api/jobs" })).json() as { id: string; status: string; position: number | null }[];
    assert.deepEqual(
      info.map((j) => [j.status, j.position]),
      [
        ["running", null],
        ["queued", 0],
        ["queued", 1],
      ],
    );
    // the third is taken off the queue, the first stopped while it runs: the second starts
    await app.inject({ method: "POST", url: `/api/jobs/${ids[2]}/stop` });
    const first = queue.get(ids[0] as string) as Job;
    await app.inject({ method: "POST", url: `/api/jobs/${ids[0]}/stop` });
    assert.equal(first.status, "stopped");
    assert.equal(queue.get(ids[2] as string)?.status, "stopped");
    const second = queue.get(ids[1] as string) as Job;
    assert.equal(second.status, "running");
    await finished(second);
    assert.equal(second.status, "done");
    assert.equal(existsSync(join(dir, first.dir)), false);
    assert.equal(existsSync(join(dir, second.dir, "summary.json")), true);
  } finally {
    await app.close();
  }
});

test("a compare job runs its variants as compare --out does and streams each one's data and the comparison", async () => {
  const { app, queue, dir } = await server();
  try {
    const r = await app.inject({ method: "POST", url: "/api/compare", payload: { files: ["tiny.yaml"], kernels: ["mainline", "v17"], set: [] } });
    assert.equal(r.statusCode, 202);
    const job = queue.get(r.json().id) as Job;
    await finished(job);
    assert.equal(job.status, "done", String(job.error));
    const metas = job.messages.filter((m) => m.type === "meta").map((m) => (m as { label: string; kernel: string }).label);
    assert.deepEqual(metas, ["mainline", "v17"]);
    const done = job.messages.find((m) => m.type === "done") as { rows: { what: string; values: string[] }[] };
    assert.ok(done.rows.some((row) => row.what === "exit p" && row.values.length === 2));
    assert.equal(existsSync(join(dir, job.dir, "comparison.json")), true);
    const results = (await app.inject({ url: "/api/results" })).json();
    assert.equal(results[0].kind, "compare");
    assert.deepEqual(results[0].parts, [`${job.dir}/mainline`, `${job.dir}/v17`]);
    // replayed from the files: each variant's rows as its job streamed them
    const replay = parseSse((await app.inject({ url: `/api/results/stream?dir=${encodeURIComponent(job.dir)}` })).body).map((m) => m.data);
    const rowsOf = (ms: readonly StreamMessage[], v: number): unknown[] => ms.flatMap((m) => (m.type === "samples" && m.variant === v ? m.rows : []));
    for (const v of [0, 1]) assert.deepEqual(rowsOf(replay, v), rowsOf(job.messages, v));
    assert.deepEqual(
      replay.filter((m) => m.type === "meta").map((m) => (m as { label: string }).label),
      ["mainline", "v17"],
    );
    // bad input: one line, as the CLI says it
    const one = await app.inject({ method: "POST", url: "/api/compare", payload: { files: ["tiny.yaml"], kernels: ["v17"], set: ["seed=1"] } });
    assert.equal(one.statusCode, 400);
    assert.equal(one.json().error, "compare: expected at least two variants (several files, --kernel a,b or --set key=value1,value2).");
    const bad = await app.inject({ method: "POST", url: "/api/compare", payload: { files: ["tiny.yaml"], kernels: ["v9"] } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error, /^--kernel: expected a comma-separated list of mainline, v17 and v5/);
  } finally {
    await app.close();
  }
});

test("a scenario the loader refuses fails its job with the CLI's line", async () => {
  const { app, queue, dir } = await server();
  try {
    writeFileSync(join(dir, "broken.yaml"), TINY.replace("cpus: 2", "cpus: 0"));
    const job = queue.get((await app.inject({ method: "POST", url: "/api/runs", payload: { file: "broken.yaml" } })).json().id) as Job;
    await finished(job);
    assert.equal(job.status, "failed");
    assert.match(String(job.error), /^broken\.yaml:3:\d+: machine\.cpus: /);
  } finally {
    await app.close();
  }
});

test("a sweep job runs a grid as sweep --out does, streams its variants and each result, and its folder is listed as a sweep", async () => {
  const { app, queue, dir } = await server();
  try {
    writeFileSync(join(dir, "grid.yaml"), "base: tiny.yaml\naxes:\n  - path: kernel\n    values: [mainline, v17]\n");
    const r = await app.inject({ method: "POST", url: "/api/sweeps", payload: { file: "grid.yaml" } });
    assert.equal(r.statusCode, 202);
    const job = queue.get(r.json().id) as Job;
    await finished(job);
    assert.equal(job.status, "done", String(job.error));
    const listed = job.messages.find((m) => m.type === "sweep-variants") as { columns: string[]; variants: { axes: Record<string, string> }[] };
    assert.deepEqual(listed.columns, ["kernel"]);
    assert.deepEqual(listed.variants.map((v) => v.axes.kernel), ["mainline", "v17"]);
    const results = job.messages.filter((m) => m.type === "sweep-result") as { index: number; done: number; total: number; exits: string }[];
    assert.deepEqual(results.map((x) => x.index).sort(), [0, 1]);
    assert.deepEqual(results.map((x) => x.done), [1, 2]);
    assert.ok(results.every((x) => x.total === 2 && x.exits === "p: 0, q: 0"), JSON.stringify(results));
    for (const f of ["sweep.csv", "sweep.parquet", "sweep.html"]) assert.equal(existsSync(join(dir, job.dir, f)), true, f);
    const sweeps = (await app.inject({ url: "/api/sweeps" })).json() as { dir: string }[];
    assert.ok(sweeps.some((s) => s.dir === job.dir), JSON.stringify(sweeps));
    // a grid whose base lies outside --dir is refused with one line; a path outside is a 404
    writeFileSync(join(dir, "out-grid.yaml"), "base: ../secret.yaml\naxes:\n  - seeds: 2\n");
    const out = queue.get((await app.inject({ method: "POST", url: "/api/sweeps", payload: { file: "out-grid.yaml" } })).json().id) as Job;
    await finished(out);
    assert.equal(out.status, "failed");
    assert.match(String(out.error), /^out-grid\.yaml: base: \.\.\/secret\.yaml is outside the dashboard.s folder/);
    assert.equal((await app.inject({ method: "POST", url: "/api/sweeps", payload: { file: "../secret.yaml" } })).statusCode, 404);
  } finally {
    await app.close();
  }
});
