// Where a reader's bytes come from: the file itself, read in chunks with readSync (no stream, no
// promise per chunk), or its zstd decompression (zstd.ts). A reader owns its buffer and asks for
// the next bytes into the part of it that is free, so nothing is copied twice and nothing of a
// large file is held but the current chunk.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { TraceError, fileError } from "./error.js";
import { ZSTD_FRAME_HEADER_MAX, ZstdSource } from "./zstd.js";

export interface ByteSource {
  /** fills `dst` from its start with the next bytes; returns how many, 0 at the end */
  read(dst: Uint8Array): number;
}

/** an open trace file: its bytes (decompressed if it is zstd), and what is known of its size */
export interface OpenTrace {
  source: ByteSource;
  compressed: boolean;
  /**
   * The size of the bytes `source` gives, when known before reading them: an uncompressed file's, or
   * the content size a zstd frame header declares (of the first frame: a hint, not a promise).
   */
  size: number | null;
  close(): void;
}

class FileSource implements ByteSource {
  private pos = 0;
  constructor(
    private readonly file: string,
    private readonly fd: number,
  ) {}
  read(dst: Uint8Array): number {
    if (dst.length === 0) return 0;
    let n: number;
    try {
      n = readSync(this.fd, dst, 0, dst.length, this.pos);
    } catch (e) {
      throw fileError(this.file, `cannot be read (${ioReason(e)}), expected a readable trace file.`);
    }
    this.pos += n;
    return n;
  }
}

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** a zstd frame (28 B5 2F FD) or a zstd skippable frame (5X 2A 4D 18), little-endian magics */
export function isZstdMagic(head: Uint8Array): boolean {
  if (head.length < 4) return false;
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return true;
  return (head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18;
}

/** opens `file`; it is decompressed when its name ends in .zst or it starts with a zstd magic */
export function openTrace(file: string): OpenTrace {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw fileError(file, `cannot be opened (${ioReason(e)}), expected a readable trace file.`);
  }
  try {
    const raw = new FileSource(file, fd);
    const head = new Uint8Array(ZSTD_FRAME_HEADER_MAX);
    const got = readSync(fd, head, 0, head.length, 0);
    const close = (): void => closeSync(fd);
    if (/\.zst$/i.test(file) || isZstdMagic(head.subarray(0, got))) {
      const zstd = new ZstdSource(file, raw);
      // a header can declare any size: believe it as far as 32 times the compressed size
      const declared = zstd.declaredSize(head.subarray(0, got));
      const size = declared === null ? null : Math.min(declared, 32 * fstatSync(fd).size);
      return { source: zstd, compressed: true, size, close };
    }
    return { source: raw, compressed: false, size: fstatSync(fd).size, close };
  } catch (e) {
    closeSync(fd);
    if (e instanceof TraceError) throw e;
    throw fileError(file, `cannot be read (${ioReason(e)}), expected a readable trace file.`);
  }
}

/** the errno code and message of a failed file operation, without the path (the caller names it) */
function ioReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === "string") return `${err.code}: ${err.syscall ?? "read"} failed`;
  return e instanceof Error ? e.message : String(e);
}
