import { test } from "node:test";
import assert from "node:assert/strict";
import { traceDir, zstd } from "../testing/trace-files.js";
import { readTrace } from "./read.js";

const files = traceDir();

test("txt: one page id per line, first-seen order; blank lines and # comments skipped", () => {
  const text = "# a trace\n42\n\n  0x2A\t\n7\r\n   # indented comment\n42\n9007199254740991";
  for (const [name, data] of [
    ["a.txt", text],
    ["a.txt.zst", zstd(text)],
  ] as const) {
    const t = readTrace(files.file(name, data));
    assert.equal(t.format, "txt");
    assert.deepEqual([...t.page], [0, 0, 1, 0, 2], name);
    assert.deepEqual(t.distinctPages, [3]);
    assert.equal(t.timeNs, null);
    assert.equal(t.write, null);
    assert.equal(t.tenantOf, null);
  }
});

test("txt: a line that is not one page id is bad input naming the line", () => {
  const cases: [string, string][] = [
    ["1\n2\nthree\n", ':3: "three" is not a page id, expected one decimal or 0x-hex page id per line (or a blank line, or a # comment).'],
    ["1 2\n", ':1: "1 2" is not a page id, expected one decimal or 0x-hex page id per line (or a blank line, or a # comment).'],
    ["1\n9007199254740992\n", ':2: page "9007199254740992" is past 2^53 - 1, expected a page id of at most 9007199254740991.'],
  ];
  cases.forEach(([text, message], i) => {
    const f = files.file(`bad${i}.txt`, text);
    assert.throws(() => readTrace(f), { name: "TraceError", message: `${f}${message}` });
  });
  const empty = files.file("empty.txt", "# nothing\n\n");
  assert.throws(() => readTrace(empty), { message: `${empty}: the trace has no requests, expected at least one line with a page id.` });
});
