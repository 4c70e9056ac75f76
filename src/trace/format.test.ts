import { test } from "node:test";
import assert from "node:assert/strict";
import { traceFormatOf } from "./format.js";

test("the format comes from the file name, a .zst suffix aside", () => {
  const cases: [string, string][] = [
    ["w.oracleGeneral", "oracleGeneral"],
    ["w.oracleGeneral.bin", "oracleGeneral"],
    ["dir.d/w.oracleGeneral.zst", "oracleGeneral"],
    ["w.oracleGeneral.bin.zst", "oracleGeneral"],
    // libCacheSim's sampled traces
    ["cluster52.oracleGeneral.sample10", "oracleGeneral"],
    ["cluster52.oracleGeneral.sample10.zst", "oracleGeneral"],
    // the last suffix decides
    ["w.oracleGeneral.csv", "csv"],
    ["w.csv", "csv"],
    ["W.CSV.ZST", "csv"],
    ["w.txt", "txt"],
    ["w.txt.zst", "txt"],
  ];
  for (const [file, format] of cases) assert.equal(traceFormatOf(file), format, file);
});

test("--format wins over the name, in any case", () => {
  assert.equal(traceFormatOf("w.csv", "txt"), "txt");
  assert.equal(traceFormatOf("trace", "ORACLEGENERAL"), "oracleGeneral");
});

test("an unknown format is bad input naming the file and what is expected", () => {
  assert.throws(() => traceFormatOf("w.bin"), {
    name: "TraceError",
    message:
      "w.bin: unknown trace format: the name ends in none of .oracleGeneral (or .oracleGeneral.bin, .oracleGeneral.sample10, ...), .csv, .txt (each optionally followed by .zst), expected such a name or --format oracleGeneral|csv|txt.",
  });
  assert.throws(() => traceFormatOf("w.zst"), { message: /^w\.zst: unknown trace format: the name ends in none of/ });
  // .oracleGeneral must be a whole suffix
  assert.throws(() => traceFormatOf("w.oracleGeneralx"), { message: /unknown trace format/ });
  assert.throws(() => traceFormatOf("w.csv", "parquet"), { message: 'w.csv: unknown trace format "parquet", expected one of oracleGeneral, csv, txt.' });
});
