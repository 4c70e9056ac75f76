// trace.json and events.jsonl are written in pieces, so a recording of any length becomes a file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildTrace, checkTrace, writeTrace } from "./trace.js";
import { formatEventsJsonl, writeEventsJsonl } from "./events.js";
import { Recorder } from "./recorder.js";
import { writeStreamAtomic } from "./outputs.js";
import type { Track } from "../engine/observer.js";

const thread: Track = { pid: 1, tid: 7, process: "t", thread: "t/0" };

/** one thread's faults, the shape of a long single-threaded run: one track, many slices */
function recording(slices: number): Recorder {
  const rec = new Recorder({ maxSlices: slices, maxEventsPerKind: slices });
  for (let i = 0; i < slices; i++) {
    rec.slice(thread, "page fault", i * 1000, i * 1000 + 600, { page: i & 1023, result: "VM_FAULT_NOPAGE" });
    rec.event({ type: "charge-failure", atNs: i * 1000, task: "t/0", cgroup: "/a", failedAt: "/a", refusedBy: "misc.max", limitBytes: 4096, nothingToReclaim: false, result: "EBUSY" });
  }
  return rec;
}

test("the streamed trace.json is the JSON of the whole document, and well-formed", () => {
  const rec = recording(2000);
  const parts: string[] = [];
  writeTrace((t) => parts.push(t), rec, { scenario: "s" });
  const text = parts.join("");
  assert.equal(text, `${JSON.stringify(buildTrace(rec, { scenario: "s" }))}\n`);
  assert.deepEqual(checkTrace(JSON.parse(text)), []);
  const lines: string[] = [];
  writeEventsJsonl((t) => lines.push(t), rec);
  assert.equal(lines.join(""), formatEventsJsonl(rec));
  assert.equal(formatEventsJsonl(rec).split("\n").length, 2001);
});

/** how often `needle` occurs in a file, read in blocks (the file is too big to hold as one string) */
function countInFile(path: string, needle: string): number {
  const fd = openSync(path, "r");
  const buf = Buffer.alloc(1 << 20);
  let n = 0;
  let carry = "";
  for (;;) {
    const got = readSync(fd, buf, 0, buf.length, null);
    if (got === 0) break;
    const text = carry + buf.toString("latin1", 0, got);
    let i = text.indexOf(needle);
    while (i >= 0) {
      n++;
      i = text.indexOf(needle, i + needle.length);
    }
    carry = needle.length > 1 ? text.slice(-(needle.length - 1)) : "";
  }
  closeSync(fd);
  return n;
}

test("a recording of millions of events on one track is written without a stack overflow or a giant string", () => {
  const slices = 1_000_000;
  const rec = recording(slices);
  const dir = mkdtempSync(join(tmpdir(), "epcsim-trace-"));
  const trace = join(dir, "trace.json");
  writeStreamAtomic(trace, (write) => writeTrace(write, rec, { scenario: "long" }));
  writeStreamAtomic(join(dir, "events.jsonl"), (write) => writeEventsJsonl(write, rec));
  // 2 M trace events (a B and an E per slice) and 1 M event lines
  assert.equal(countInFile(trace, '"ph":"B"'), slices);
  assert.equal(countInFile(trace, '"ph":"E"'), slices);
  assert.equal(countInFile(join(dir, "events.jsonl"), "\n"), slices);
  assert.ok(statSync(trace).size > 150e6);
  const fd = openSync(trace, "r");
  const tail = Buffer.alloc(64);
  readSync(fd, tail, 0, 64, statSync(trace).size - 64);
  closeSync(fd);
  assert.match(tail.toString(), /"otherData":\{"scenario":"long"\}\}\n$/);
  const head = Buffer.alloc(40);
  const fd2 = openSync(trace, "r");
  readSync(fd2, head, 0, 40, 0);
  closeSync(fd2);
  assert.ok(head.toString().startsWith('{"traceEvents":[{"name":"process_name"'));
  rmSync(dir, { recursive: true, force: true });
});
