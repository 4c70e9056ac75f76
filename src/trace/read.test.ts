import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { oracleBytes, traceDir } from "../testing/trace-files.js";
import { readTrace } from "./read.js";

const files = traceDir();

test("read: --format overrides the name", () => {
  const f = files.file("ids.data", oracleBytes([{ id: 5 }, { id: 6 }]));
  assert.equal(readTrace(f, { format: "oracleGeneral" }).requests, 2);
  const t = files.file("looks.csv", "1\n2\n1\n");
  assert.deepEqual([...readTrace(t, { format: "txt" }).page], [0, 1, 0]);
});

test("read: a missing file or a folder is bad input naming it", () => {
  const missing = join(files.dir, "missing.csv");
  assert.throws(() => readTrace(missing), { name: "TraceError", message: `${missing}: cannot be opened (ENOENT: open failed), expected a readable trace file.` });
  assert.throws(() => readTrace(files.dir, { format: "txt" }), { name: "TraceError", message: `${files.dir}: cannot be read (EISDIR: read failed), expected a readable trace file.` });
});

test("read: control characters in a file name never reach the message raw", () => {
  const f = files.file("bad\u001b[2Jname.bin", "x");
  assert.throws(() => readTrace(f), (e: Error) => e.name === "TraceError" && !e.message.includes("\u001b") && e.message.includes("\\u001b[2J"));
});

test("read: ignoreTimes leaves an oracleGeneral trace's timestamps out, and still reads and checks a CSV's", () => {
  const og = files.file("timed.oracleGeneral", oracleBytes([{ id: 5, time: 3 }, { id: 6, time: 4 }, { id: 5, time: 9 }]));
  const timed = readTrace(og);
  const untimed = readTrace(og, { ignoreTimes: true });
  assert.deepEqual([...(timed.timeNs ?? [])], [3e9, 4e9, 9e9]);
  assert.equal(untimed.timeNs, null);
  assert.deepEqual([...untimed.page], [...timed.page]);
  assert.equal(untimed.requests, 3);
  const csv = files.file("timed.csv", "time,page\n1,7\n2,8\n");
  assert.deepEqual([...(readTrace(csv, { ignoreTimes: true }).timeNs ?? [])], [...(readTrace(csv).timeNs ?? [])]);
  const bad = files.file("bad-time.csv", "time,page\nsoon,7\n");
  assert.throws(() => readTrace(bad, { ignoreTimes: true }), { name: "TraceError" });
});
