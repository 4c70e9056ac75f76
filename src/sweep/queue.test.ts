// The queue backend against a real Redis (Debian's redis-server, started and stopped here; without
// it these tests are skipped, saying so).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { inlineRunner, SLOWER_BASE } from "../testing/sweep-fixtures.js";
import { redisMissing, startRedis } from "../testing/redis-server.js";
import { loadGrid } from "./grid.js";
import { expandGrid } from "./variants.js";
import { runSweep } from "./sweep.js";
import { JOURNAL } from "./store.js";
import { QUEUE_NAME } from "./queue.js";

const cli = fileURLToPath(new URL("../cli/main.js", import.meta.url));
const skip = redisMissing() ?? false;

const GRID = `base: base.yaml
axes:
  - path: 'cgroups["/a"]["misc.max"]'
    values: ["sgx_epc 262144", "sgx_epc 524288", "sgx_epc 786432"]
  - seeds: 2
`;

function gridDir(): string {
  const d = mkdtempSync(join(tmpdir(), "epcsim-queue-"));
  writeFileSync(join(d, "base.yaml"), SLOWER_BASE);
  writeFileSync(join(d, "grid.yaml"), GRID);
  return d;
}

const exited = (p: ChildProcess): Promise<number | null> => new Promise((resolve) => (p.exitCode !== null || p.signalCode !== null ? resolve(p.exitCode) : p.once("exit", (code) => resolve(code))));

test("sweep --queue refuses a Redis whose maxmemory-policy is not noeviction, saying so", { skip }, async () => {
  const redis = await startRedis("allkeys-lru");
  try {
    const d = gridDir();
    const r = spawnSync(process.execPath, [cli, "sweep", join(d, "grid.yaml"), "--queue", redis.url, "--out", join(d, "o"), "--quiet"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `epcsim: --queue ${redis.url}: Redis's maxmemory-policy is allkeys-lru; BullMQ needs noeviction, or Redis may evict jobs when memory runs short (CONFIG SET maxmemory-policy noeviction, or maxmemory-policy noeviction in redis.conf).\n`);
  } finally {
    await redis.stop();
  }
});

test("two workers, one killed with SIGKILL in the middle of a job: every variant's result is present exactly once and equal to the local sweep's", { skip, timeout: 120_000 }, async () => {
  const redis = await startRedis();
  const workers: ChildProcess[] = [];
  try {
    const d = gridDir();
    const grid = loadGrid(join(d, "grid.yaml"));
    const variants = expandGrid(grid);
    await runSweep(grid, variants, inlineRunner(), { dir: join(d, "local"), shard: null });
    const worker = (): ChildProcess => {
      const w = spawn(process.execPath, [cli, "worker", "--queue", redis.url, "--jobs", "1", "--lock-duration", "2s", "--quiet"], { stdio: "ignore" });
      workers.push(w);
      return w;
    };
    const doomed = worker();
    const sweep = spawn(process.execPath, [cli, "sweep", join(d, "grid.yaml"), "--queue", redis.url, "--out", join(d, "queued"), "--quiet"], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    sweep.stderr?.on("data", (b: Buffer) => (err += b.toString()));
    // only the doomed worker runs yet: once a job is active, it is that worker's, in the middle of it
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QUEUE_NAME, { connection });
    const deadline = Date.now() + 60_000;
    let active: string | undefined;
    while (active === undefined && Date.now() < deadline) {
      active = (await queue.getActive())[0]?.id;
      if (active === undefined) await new Promise((r) => setTimeout(r, 10));
    }
    assert.ok(active !== undefined, "a job became active");
    worker();
    doomed.kill("SIGKILL");
    assert.equal(await exited(sweep), 0, err);
    // the job the killed worker held was taken back (stalled) and started again elsewhere
    const jobs = await queue.getCompleted();
    assert.equal(jobs.length, variants.length);
    assert.ok(
      jobs.some((j) => j.stalledCounter > 0 || j.attemptsStarted > 1),
      `a job was started twice: ${jobs.map((j) => `${j.id ?? ""} ${j.stalledCounter}/${j.attemptsStarted}`).join(", ")}`,
    );
    await queue.close();
    connection.disconnect();
    const ids = readFileSync(join(d, "queued", JOURNAL), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id);
    assert.deepEqual([...ids].sort(), variants.map((v) => v.id).sort(), "each variant once");
    const local = new Map(readFileSync(join(d, "local", JOURNAL), "utf8").trim().split("\n").map((l) => [(JSON.parse(l) as { id: string }).id, l]));
    for (const l of readFileSync(join(d, "queued", JOURNAL), "utf8").trim().split("\n")) assert.equal(l, local.get((JSON.parse(l) as { id: string }).id));
    for (const f of ["sweep.csv", "sweep.parquet", "sweep.html"]) assert.ok(readFileSync(join(d, "queued", f)).equals(readFileSync(join(d, "local", f))), `${f} differs`);
    // a second sweep of the same grid finds every job done: idempotent by variant id
    const again = spawnSync(process.execPath, [cli, "sweep", join(d, "grid.yaml"), "--queue", redis.url, "--out", join(d, "again"), "--quiet"], { encoding: "utf8" });
    assert.equal(again.status, 0, again.stderr);
    assert.ok(readFileSync(join(d, "again", "sweep.csv")).equals(readFileSync(join(d, "local", "sweep.csv"))));
  } finally {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill("SIGTERM");
    await Promise.all(workers.map(exited));
    await redis.stop();
  }
});
