// A sweep's grid file (`epcsim sweep GRID.yaml`): a base scenario (relative to the grid file) and
// axes, each a field path in the --set syntax with values, a range or a number of seeds; a zip axis
// varies several fields together. The product of the axes is the set of variants (variants.ts).
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { parseSetArgument } from "../scenario/set-path.js";
import { parseSize } from "../scenario/units.js";
import { show as quote } from "../scenario/errors.js";
import { GridError } from "./errors.js";

/** one field that an axis sets: its path text (as --set writes it) and, per step, the value */
export interface AxisField {
  path: string;
  /** the values as YAML text (what --set takes) */
  values: string[];
  /** the values as the results show them */
  labels: string[];
}

/** an axis: one field, several fields in step (zip), or the seed */
export type Axis = { kind: "fields"; fields: AxisField[] } | { kind: "seeds"; seeds: number[] };

export interface Grid {
  /** the grid file as given, and its text */
  file: string;
  text: string;
  /** the base scenario as the grid file writes it, its absolute path and its text */
  base: string;
  basePath: string;
  baseText: string;
  /**
   * a node and pods instead of a base scenario (`node:` and `pods:`): each variant is the scenario
   * `epcsim node` runs (restarts settled), with the node's kernel and seed from the axes; `base`,
   * `basePath` and `baseText` are then the pods file's
   */
  node: { node: string; pods: string } | null;
  axes: Axis[];
}

/** more variants than this is surely a mistake in the grid (and more than a results table holds) */
export const MAX_VARIANTS = 100_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** a grid problem: one line naming the file and the field */
function fail(file: string, field: string, message: string): never {
  throw new GridError(`${file}: ${field}: ${message}.`);
}

function label(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** whether the field holds a misc.max, whose value a size range writes as "sgx_epc BYTES" */
const isMiscMax = (path: string): boolean => /["']misc\.max["']\]$/.test(path);

/** a range's numbers: from, from+step, ... up to `to`; or from, from*factor, ... (sizes: "1MiB" too) */
function rangeValues(file: string, field: string, r: unknown, miscMax: boolean): unknown[] {
  if (!isRecord(r)) fail(file, field, `expected {from, to, step} or {from, to, factor}, got ${quote(r)}`);
  for (const k of Object.keys(r)) if (!["from", "to", "step", "factor"].includes(k)) fail(file, `${field}.${k}`, "unknown key; expected from, to, step or factor");
  const num = (k: string): number => {
    const v = r[k];
    const n = typeof v === "string" ? parseSize(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n)) fail(file, `${field}.${k}`, `expected a number or a size such as 4MiB, got ${typeof n === "string" ? n : quote(v)}`);
    return n;
  };
  const from = num("from");
  const to = num("to");
  if (to < from) fail(file, `${field}.to`, `expected a value at least from (${from}), got ${to}`);
  const out: number[] = [];
  if (("step" in r) === ("factor" in r)) fail(file, field, "expected either step or factor (for sizes), not both or neither");
  if ("step" in r) {
    const step = num("step");
    if (step <= 0) fail(file, `${field}.step`, `expected a positive step, got ${step}`);
    for (let i = 0; from + i * step <= to; i++) {
      out.push(from + i * step);
      if (out.length > MAX_VARIANTS) fail(file, field, `expected at most ${MAX_VARIANTS} values`);
    }
  } else {
    const factor = num("factor");
    if (!(factor > 1)) fail(file, `${field}.factor`, `expected a factor above 1, got ${factor}`);
    if (from <= 0) fail(file, `${field}.from`, "expected a positive start for a factor range");
    for (let v = from; v <= to; v = Math.round(v * factor)) out.push(v);
  }
  return miscMax ? out.map((b) => `sgx_epc ${b}`) : out;
}

function fieldAxis(file: string, field: string, a: Record<string, unknown>): AxisField {
  for (const k of Object.keys(a)) if (!["path", "values", "range"].includes(k)) fail(file, `${field}.${k}`, "unknown key; expected path with values or range");
  if (typeof a.path !== "string") fail(file, `${field}.path`, `expected a field path such as kernel or cgroups["/a"]["misc.max"], got ${quote(a.path)}`);
  try {
    parseSetArgument(`${a.path}=`);
  } catch (e) {
    fail(file, `${field}.path`, (e as Error).message);
  }
  if (("values" in a) === ("range" in a)) fail(file, field, "expected either values or range, not both or neither");
  let values: unknown[];
  if ("values" in a) {
    if (!Array.isArray(a.values) || a.values.length === 0) fail(file, `${field}.values`, `expected a non-empty list, got ${quote(a.values)}`);
    values = a.values;
  } else values = rangeValues(file, `${field}.range`, a.range, isMiscMax(a.path));
  return { path: a.path, values: values.map((v) => JSON.stringify(v)), labels: values.map(label) };
}

function seedsAxis(file: string, field: string, s: unknown): Axis {
  if (typeof s === "number" && Number.isInteger(s) && s >= 1 && s <= MAX_VARIANTS) return { kind: "seeds", seeds: Array.from({ length: s }, (_, i) => i + 1) };
  if (Array.isArray(s) && s.length > 0 && s.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 31)) return { kind: "seeds", seeds: s as number[] };
  return fail(file, field, `expected a number of seeds (1, 2, ... N) or a list of seeds, got ${quote(s)}`);
}

function axis(file: string, field: string, a: unknown): Axis {
  if (!isRecord(a)) fail(file, field, `expected {path, values}, {path, range}, {seeds: N} or {zip: [...]}, got ${quote(a)}`);
  if ("seeds" in a) {
    if (Object.keys(a).length !== 1) fail(file, field, "expected seeds alone in its axis");
    return seedsAxis(file, `${field}.seeds`, a.seeds);
  }
  if ("zip" in a) {
    if (Object.keys(a).length !== 1) fail(file, field, "expected zip alone in its axis");
    if (!Array.isArray(a.zip) || a.zip.length === 0) fail(file, `${field}.zip`, `expected a list of {path, values} or {path, range}, got ${quote(a.zip)}`);
    const fields = a.zip.map((z, j) => {
      if (!isRecord(z)) fail(file, `${field}.zip[${j}]`, `expected {path, values} or {path, range}, got ${quote(z)}`);
      return fieldAxis(file, `${field}.zip[${j}]`, z);
    });
    const n = fields[0]?.values.length ?? 0;
    fields.forEach((f, j) => {
      if (f.values.length !== n) fail(file, `${field}.zip[${j}]`, `expected ${n} values, as many as zip[0] has, got ${f.values.length}`);
    });
    return { kind: "fields", fields };
  }
  return { kind: "fields", fields: [fieldAxis(file, field, a)] };
}

/** parses a grid file's text; `file` names it in messages and the base resolves from its folder */
export function parseGrid(text: string, file: string, readBase: (path: string) => string = (p) => readFileSync(p, "utf8")): Grid {
  let doc: unknown;
  try {
    doc = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (e) {
    fail(file, "(top level)", `the file is not valid YAML: ${(e as Error).message.split("\n")[0] ?? ""}`);
  }
  if (!isRecord(doc)) fail(file, "(top level)", `expected a mapping with base and axes, got ${quote(doc)}`);
  for (const k of Object.keys(doc)) if (!["base", "node", "pods", "axes"].includes(k)) fail(file, k, "unknown key; expected base (or node and pods) and axes");
  let node: { node: string; pods: string } | null = null;
  if (doc.node !== undefined || doc.pods !== undefined) {
    if (doc.base !== undefined) fail(file, "base", "expected either base or node and pods, not both");
    if (typeof doc.node !== "string" || doc.node === "") fail(file, "node", `expected a Node manifest (relative to the grid file) or a profile name, got ${quote(doc.node)}`);
    if (typeof doc.pods !== "string" || doc.pods === "") fail(file, "pods", `expected the pods file's name, relative to the grid file, got ${quote(doc.pods)}`);
    const nodeFile = resolve(dirname(file), doc.node);
    node = { node: existsSync(nodeFile) ? nodeFile : doc.node, pods: resolve(dirname(file), doc.pods) };
    // the pods file stands where a base would: its folder resolves the workloads, its name the results
    doc.base = doc.pods;
  }
  if (typeof doc.base !== "string" || doc.base === "") fail(file, "base", `expected the base scenario's file name, relative to the grid file, got ${quote(doc.base)}`);
  if (!Array.isArray(doc.axes)) fail(file, "axes", `expected a list of axes, got ${quote(doc.axes)}`);
  const axes = doc.axes.map((a, i) => axis(file, `axes[${i}]`, a));
  if (axes.filter((a) => a.kind === "seeds").length > 1) fail(file, "axes", "expected at most one seeds axis");
  const paths = axes.flatMap((a) => (a.kind === "fields" ? a.fields.map((f) => f.path) : []));
  const twice = paths.find((p, i) => paths.indexOf(p) !== i);
  if (twice !== undefined) fail(file, "axes", `expected each field path once, but ${twice} is set by two axes`);
  const count = axes.reduce((n, a) => n * (a.kind === "seeds" ? a.seeds.length : (a.fields[0]?.values.length ?? 1)), 1);
  if (count > MAX_VARIANTS) fail(file, "axes", `expected at most ${MAX_VARIANTS} variants, got ${count}`);
  const basePath = resolve(dirname(file), doc.base);
  let baseText: string;
  try {
    baseText = readBase(basePath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    fail(file, node === null ? "base" : "pods", `cannot read ${doc.base} (${err.code === "ENOENT" ? "no such file" : err.message})`);
  }
  return { file, text, base: doc.base, basePath, baseText, node, axes };
}

export function loadGrid(file: string): Grid {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new GridError(`${file}: cannot read the grid file: ${err.code === "ENOENT" ? "no such file" : err.message}.`);
  }
  return parseGrid(text, file);
}
