// Which reader a trace file gets: --format when given, else the file name (.csv, .txt, or
// .oracleGeneral with any further suffixes, as libCacheSim's files have: .oracleGeneral.bin,
// .oracleGeneral.sample10; each optionally followed by .zst). Compression is told apart
// separately (source.ts), so any format may be compressed.
import { fileError } from "./error.js";
import type { TraceFormat } from "./trace.js";

export const TRACE_FORMATS: readonly TraceFormat[] = ["oracleGeneral", "csv", "txt"];

// in this order: a.oracleGeneral.csv is a csv file
const SUFFIXES: [RegExp, TraceFormat][] = [
  [/\.csv$/i, "csv"],
  [/\.txt$/i, "txt"],
  [/\.oracleGeneral(\.[^./\\]+)*$/i, "oracleGeneral"],
];

/** the format of `file`: `explicit` (a --format value, any case) if given, else by its name */
export function traceFormatOf(file: string, explicit?: string): TraceFormat {
  if (explicit !== undefined) {
    const f = TRACE_FORMATS.find((name) => name.toLowerCase() === explicit.toLowerCase());
    if (f === undefined) throw fileError(file, `unknown trace format ${JSON.stringify(explicit)}, expected one of ${TRACE_FORMATS.join(", ")}.`);
    return f;
  }
  const name = file.replace(/\.zst$/i, "");
  for (const [suffix, format] of SUFFIXES) if (suffix.test(name)) return format;
  throw fileError(
    file,
    `unknown trace format: the name ends in none of .oracleGeneral (or .oracleGeneral.bin, .oracleGeneral.sample10, ...), .csv, .txt (each optionally followed by .zst), expected such a name or --format ${TRACE_FORMATS.join("|")}.`,
  );
}
