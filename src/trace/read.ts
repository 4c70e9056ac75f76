// Reading a trace file: the entry point of src/trace for the replay command and the scenario's
// trace access phase. The format comes from --format or the file name, compression from the name
// or the first bytes, and every problem with the file is a TraceError naming it.
import { readCsv } from "./csv.js";
import { traceFormatOf } from "./format.js";
import { readOracleGeneral } from "./oracle-general.js";
import { openTrace } from "./source.js";
import type { Trace } from "./trace.js";
import { readTxt } from "./txt.js";

/** 3 MiB: a whole number of 24-byte records and of 4 KiB pages */
export const CHUNK_BYTES = 3 << 20;

export interface ReadTraceOptions {
  /** a --format value (oracleGeneral, csv or txt, any case); by default the file name decides */
  format?: string;
  /** the read buffer's size (tests use small ones to cross chunk boundaries) */
  chunkBytes?: number;
  /**
   * read past a csv trace's tenant column, so that the whole trace is one tenant's and its pages are
   * mapped in first-seen order over all requests (a replay without --tenant-column, a trace phase
   * without `tenant`)
   */
  ignoreTenants?: boolean;
  /**
   * leave an oracleGeneral trace's timestamps out (Trace.timeNs null): a replay that ignores them
   * (no --timing trace) then holds 8 bytes a request less. CSV times are read (and checked) either way.
   */
  ignoreTimes?: boolean;
}

export function readTrace(file: string, options: ReadTraceOptions = {}): Trace {
  const format = traceFormatOf(file, options.format);
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  const open = openTrace(file);
  try {
    const input = { file, source: open.source, compressed: open.compressed, chunkBytes };
    switch (format) {
      case "oracleGeneral":
        return readOracleGeneral({ ...input, size: open.size, times: options.ignoreTimes !== true });
      case "csv":
        return readCsv({ ...input, ignoreTenants: options.ignoreTenants === true });
      case "txt":
        return readTxt(input);
    }
  } finally {
    open.close();
  }
}
