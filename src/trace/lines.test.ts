import { test } from "node:test";
import assert from "node:assert/strict";
import { forEachLine } from "./lines.js";
import type { ByteSource } from "./source.js";

/** a source that hands out `data` at most `step` bytes at a time */
function source(data: string, step: number): ByteSource {
  const bytes = Buffer.from(data);
  let pos = 0;
  return {
    read(dst: Uint8Array): number {
      const n = Math.min(dst.length, step, bytes.length - pos);
      bytes.copy(dst, 0, pos, pos + n);
      pos += n;
      return n;
    },
  };
}

function lines(data: string, chunk: number, step = chunk): [string, number][] {
  const out: [string, number][] = [];
  forEachLine("f", source(data, step), chunk, (buf, s, e, n) => out.push([buf.toString("utf8", s, e), n]));
  return out;
}

test("lines: split at \\n, \\r\\n and \\n alike, the last line without a newline too", () => {
  const want: [string, number][] = [
    ["a", 1],
    ["bb", 2],
    ["", 3],
    ["ccc", 4],
  ];
  assert.deepEqual(lines("a\nbb\r\n\nccc", 1024), want);
  assert.deepEqual(lines("a\nbb\r\n\nccc\n", 1024), want);
});

test("lines: the same lines whatever the chunks and short reads", () => {
  const data = Array.from({ length: 200 }, (_, i) => "x".repeat(i % 13)).join("\r\n");
  const whole = lines(data, 1 << 16);
  for (const chunk of [14, 15, 64]) for (const step of [1, 3, 1000]) assert.deepEqual(lines(data, chunk, step), whole, `${chunk}/${step}`);
});

test("lines: a byte-order mark at the start is dropped", () => {
  assert.deepEqual(lines("\ufeffpage\n1", 64), [
    ["page", 1],
    ["1", 2],
  ]);
});

test("lines: a line longer than the buffer is bad input naming it", () => {
  assert.throws(() => lines("ok\n" + "y".repeat(40), 16), { name: "TraceError", message: "f:2: the line runs 16 bytes or more without a line end, expected one request per line." });
});
