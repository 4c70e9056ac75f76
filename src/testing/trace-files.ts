// Trace files for the tests of src/trace: oracleGeneral records, text, zstd compression (through
// zstd-napi, the binding the readers use), written into one temporary folder per test file.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { compress } from "zstd-napi";
import { readTrace } from "../trace/read.js";
import type { Trace } from "../trace/trace.js";

export interface OracleRecord {
  time?: number;
  /** a number or, for ids past 2^53, a bigint */
  id: number | bigint;
  size?: number;
  next?: number;
}

/** packed little-endian 24-byte records { u32 time, u64 id, u32 size, i64 next } */
export function oracleBytes(records: OracleRecord[]): Buffer {
  const b = Buffer.alloc(records.length * 24);
  records.forEach((r, i) => {
    b.writeUInt32LE(r.time ?? i, i * 24);
    b.writeBigUInt64LE(BigInt(r.id), i * 24 + 4);
    b.writeUInt32LE(r.size ?? 4096, i * 24 + 12);
    b.writeBigInt64LE(BigInt(r.next ?? -1), i * 24 + 16);
  });
  return b;
}

export function zstd(data: Uint8Array | string, level = 3): Buffer {
  return compress(typeof data === "string" ? Buffer.from(data) : data, { compressionLevel: level });
}

/** a temporary folder, removed when the test file ends; `file(name, data)` writes into it */
export function traceDir(): { dir: string; file(name: string, data: Uint8Array | string): string } {
  const dir = mkdtempSync(join(tmpdir(), "epcsim-traces-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name: string, data: Uint8Array | string): string {
      const path = join(dir, name);
      writeFileSync(path, data);
      return path;
    },
  };
}

/** reads `data` as file `name` and as `name`.zst, with each read buffer size, and checks each trace */
export function eachChunking(
  files: ReturnType<typeof traceDir>,
  name: string,
  data: Uint8Array | string,
  chunkSizes: number[],
  check: (t: Trace, what: string) => void,
): void {
  const compressed = zstd(data);
  for (const chunkBytes of chunkSizes) {
    check(readTrace(files.file(name, data), { chunkBytes }), `${name} in chunks of ${chunkBytes}`);
    check(readTrace(files.file(`${name}.zst`, compressed), { chunkBytes }), `${name}.zst in chunks of ${chunkBytes}`);
  }
}
