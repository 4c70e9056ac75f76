import { test } from "node:test";
import assert from "node:assert/strict";
import { oracleBytes, traceDir, zstd } from "../testing/trace-files.js";
import { readTrace } from "./read.js";

const files = traceDir();
const text = Array.from({ length: 5000 }, (_, i) => String((i * 31) % 1000)).join("\n") + "\n";
const expected = readTrace(files.file("plain.txt", text));

test("zstd: a compressed file is told by its .zst suffix or by its magic bytes alone", () => {
  const bySuffix = readTrace(files.file("a.txt.zst", zstd(text)));
  assert.equal(bySuffix.compressed, true);
  assert.deepEqual(bySuffix.page, expected.page);
  const byMagic = readTrace(files.file("a.txt", zstd(text)));
  assert.equal(byMagic.compressed, true);
  assert.deepEqual(byMagic.page, expected.page);
  assert.equal(expected.compressed, false);
});

test("zstd: concatenated frames and skippable frames read as one stream", () => {
  const half = text.indexOf("\n", text.length / 2) + 1;
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
  const data = Buffer.concat([skippable, zstd(text.slice(0, half)), zstd(text.slice(half), 19)]);
  for (const chunkBytes of [16, 100, 1 << 20]) {
    const t = readTrace(files.file("frames.txt", data), { chunkBytes });
    assert.equal(t.compressed, true);
    assert.deepEqual(t.page, expected.page, `chunks of ${chunkBytes}`);
  }
});

test("zstd: a corrupt stream is bad input naming the file", () => {
  const good = zstd(oracleBytes(Array.from({ length: 2000 }, (_, i) => ({ id: (i * 7919) % 1013 }))));
  const bad = Buffer.from(good);
  for (let i = 20; i < bad.length - 8; i += 7) bad[i] = bad[i]! ^ 0x5a;
  const f = files.file("bad.oracleGeneral.zst", bad);
  assert.throws(() => readTrace(f), {
    name: "TraceError",
    message: new RegExp(`^${escape(f)}: the zstd stream is corrupt \\([^)]+\\) within its first \\d+ compressed bytes, expected a valid zstd stream\\.$`),
  });
  const notZstd = files.file("notzstd.oracleGeneral.zst", oracleBytes([{ id: 1 }]));
  assert.throws(() => readTrace(notZstd), {
    message: `${notZstd}: the zstd stream is corrupt (Unknown frame descriptor) within its first 24 compressed bytes, expected a valid zstd stream.`,
  });
});

test("zstd: a stream cut inside a frame is bad input", () => {
  const good = zstd(text);
  const f = files.file("cut.txt.zst", good.subarray(0, good.length - 5));
  assert.throws(() => readTrace(f), {
    message: `${f}: the zstd stream ends inside a frame after ${good.length - 5} compressed bytes, expected a complete zstd stream.`,
  });
  const empty = files.file("empty.txt.zst", "");
  assert.throws(() => readTrace(empty), { message: `${empty}: the zstd stream is empty, expected at least one zstd frame.` });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
