// The sweep's result files, written whole at the end from the table: sweep.csv, sweep.parquet and
// sweep.html. Each depends on the table alone, so the same grid and seeds give the same bytes.
import { join } from "node:path";
import { writeAtomic } from "./store.js";
import type { Table } from "./table.js";
import { renderSweepHtml } from "./html.js";
import { createRequire } from "node:module";

// csv-stringify is loaded (its CommonJS build) when a sweep writes its files, not by every command
const requireHere = createRequire(import.meta.url);
let csvStringify: typeof import("csv-stringify/sync") | undefined;

export function sweepCsv(t: Table): string {
  csvStringify ??= requireHere("csv-stringify/sync") as typeof import("csv-stringify/sync");
  return csvStringify.stringify([t.columns.map((c) => c.name), ...t.rows.map((r) => r.map((c) => (c === null ? "" : c)))]);
}

/** the Parquet writer is loaded when a sweep writes its files, not by every command */
export async function sweepParquet(t: Table): Promise<Uint8Array> {
  const { parquetWriteBuffer } = await import("hyparquet-writer");
  const columnData = t.columns.map((c, i) => ({
    name: c.name,
    data: t.rows.map((r) => {
      const v = r[i] ?? null;
      return c.type === "int" && typeof v === "number" ? BigInt(v) : v;
    }),
    type: c.type === "int" ? ("INT64" as const) : ("STRING" as const),
    nullable: true,
  }));
  return new Uint8Array(parquetWriteBuffer({ columnData, createdBy: "epcsim" }));
}

export async function writeSweepFiles(dir: string, t: Table, title: string): Promise<void> {
  writeAtomic(join(dir, "sweep.csv"), sweepCsv(t));
  writeAtomic(join(dir, "sweep.parquet"), await sweepParquet(t));
  writeAtomic(join(dir, "sweep.html"), await renderSweepHtml(t, title));
}
