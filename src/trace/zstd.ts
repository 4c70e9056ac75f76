// zstd decompression as a ByteSource, streaming: the compressed file is read 1 MiB at a time and
// decompressed straight into the reader's buffer, so a 500 MB trace is never held whole, let alone
// twice. The binding is zstd-napi (the reference libzstd through Node-API, built from the sources in
// its npm tarball when no prebuilt binary can be had; see docs/traces.md), loaded on first use so
// that a missing build breaks only .zst traces, with a message saying so.
import { createRequire } from "node:module";
import type { DCtx } from "zstd-napi/binding.js";
import { fileError } from "./error.js";
import type { ByteSource } from "./source.js";

type Binding = typeof import("zstd-napi/binding.js");

let binding: Binding | undefined;

function loadBinding(file: string): Binding {
  if (binding !== undefined) return binding;
  try {
    binding = createRequire(import.meta.url)("zstd-napi/binding.js") as Binding;
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw fileError(file, `is zstd-compressed, but the zstd binding (zstd-napi) did not load (${why}); expected it built by npm ci, or decompress the file first.`);
  }
  return binding;
}

const IN_BYTES = 1 << 20;
/** ZSTD_FRAMEHEADERSIZE_MAX: a frame header with every optional field */
export const ZSTD_FRAME_HEADER_MAX = 18;

export class ZstdSource implements ByteSource {
  private readonly dctx: DCtx;
  private readonly input = new Uint8Array(IN_BYTES);
  private pending: Uint8Array = new Uint8Array(0);
  private eof = false;
  /** compressed bytes handed to the decompressor so far, for messages */
  private consumed = 0;
  /** ZSTD_decompressStream's last result: 0 at a frame's end, else more input is needed */
  private hint = 1;
  /** the last call filled its output within a frame, so the decompressor may hold more of it */
  private full = false;

  constructor(
    private readonly file: string,
    private readonly compressed: ByteSource,
  ) {
    this.dctx = new (loadBinding(file).DCtx)();
  }

  /** the content size the first frame's header declares, if it does (zstd's CLI writes it) */
  declaredSize(head: Uint8Array): number | null {
    try {
      return loadBinding(this.file).getFrameContentSize(head);
    } catch {
      return null; // not a frame header: the first read says what is wrong
    }
  }

  read(dst: Uint8Array): number {
    if (dst.length === 0) return 0;
    for (;;) {
      if (this.pending.length === 0 && !this.eof) {
        const n = this.compressed.read(this.input);
        if (n === 0) this.eof = true;
        else this.pending = this.input.subarray(0, n);
      }
      if (this.pending.length === 0 && !this.full) {
        if (this.consumed === 0) throw fileError(this.file, "the zstd stream is empty, expected at least one zstd frame.");
        if (this.hint !== 0) {
          throw fileError(this.file, `the zstd stream ends inside a frame after ${this.consumed} compressed bytes, expected a complete zstd stream.`);
        }
        return 0;
      }
      const produced = this.step(dst);
      if (produced > 0) return produced;
    }
  }

  /** one ZSTD_decompressStream call over the pending input */
  private step(dst: Uint8Array): number {
    let result: [number, number, number];
    try {
      result = this.dctx.decompressStream(dst, this.pending);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw fileError(this.file, `the zstd stream is corrupt (${why}) within its first ${this.consumed + this.pending.length} compressed bytes, expected a valid zstd stream.`);
    }
    const [hint, produced, used] = result;
    this.pending = this.pending.subarray(used);
    this.consumed += used;
    this.hint = hint;
    // a full output may leave output inside the decompressor, unless the frame is done (hint 0):
    // a call after that would start the next frame, whose hint says nothing of this one
    this.full = produced === dst.length && hint !== 0;
    return produced;
  }
}
