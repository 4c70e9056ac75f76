// Loading a scenario: parse YAML or JSON keeping positions, validate it against the schema, check
// what the schema cannot express, and lower it to the engine's `Scenario`. Every problem becomes a
// ScenarioError whose message is one line: FILE:LINE:COL: field.path: what was expected.
import { readFileSync } from "node:fs";
import { closestMatch } from "leven";
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLError } from "yaml";
import type { z } from "zod";
import { costProfileNames, costProfiles, profileName, profilePlatform, resolveCosts } from "../hw/costs.js";
import {
  enclaveProgramSchema,
  eventSchemas,
  phaseSchemas,
  phasesSchema,
  presetProgramSchema,
  programSchemas,
  stepSchemas,
  stepsProgramSchema,
  WRITABLE_CGROUP_FILES,
  topSchema,
  vmProgramSchema,
} from "./schema.js";
import { normalizePath } from "../cgroup/misc.js";
import type { AccessPhase, CgroupConfig, EacceptSecinfo, KernelGeneration, MachineConfig, Phase, ProcessConfig, Scenario, ScheduledEvent, Step } from "./types.js";
import { parseSize } from "./units.js";
import { presetTestSgxOversubscribed } from "./presets.js";
import { escapeControls, quote } from "./quote.js";
import { formatFieldPath, parseSetArgument } from "./set-path.js";
import { decodeUtf8, lineCol, strictJsonProblem, unprintable, type TextProblem } from "./file-text.js";

/**
 * The default time slice: EEVDF's sysctl_sched_base_slice, 0.75 ms scaled by 1 + ilog2(CPUs) for
 * up to 8 CPUs: update_sysctl() sets sysctl_sched_base_slice to factor x normalized_sysctl_sched_base_slice
 * with get_update_sysctl_factor() = 1 + ilog2(min(online CPUs, 8)) under SCHED_TUNABLESCALING_LOG
 * (kernel/sched/fair.c of the 6.6-6.12 kernels the series is based on; later kernels lowered the
 * base to 0.70 ms). With RUN_TO_PARITY a woken task waits until the running one has used its
 * slice, as epcsim models it.
 */
export function eevdfBaseSliceNs(cpus: number): number {
  return 750_000 * (1 + Math.floor(Math.log2(Math.min(Math.max(cpus, 1), 8))));
}

const PAGE = 4096;

export class ScenarioError extends Error {
  override name = "ScenarioError";
  constructor(message: string) {
    // a message quotes input, which may hold control characters: never print them raw
    super(escapeControls(message));
  }
}

type Path = (string | number)[];

export interface LoadOverrides {
  seed?: number;
  /**
   * `--set` overrides applied before validation: a field path (policy.oomVictim, processes[2].memory,
   * cgroups["/a"]["misc.max"]) to a value that parses as YAML
   */
  set?: Record<string, string>;
  /** called with each warning, one line (a scenario that loads but may not mean what it says) */
  onWarning?: (message: string) => void;
}

/** at most this many alias expansions (the `yaml` library's guard against "billion laughs" input) */
const MAX_ALIASES = 1000;

function isJsonSource(source: string): boolean {
  return /\.json$/iu.test(source);
}

const formatPath = formatFieldPath;

function show(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = quote(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** the first alias in document order, for pointing at an alias bomb */
function firstAlias(node: unknown): Node | null {
  if (isAlias(node)) return node;
  if (isMap(node)) {
    for (const it of node.items) {
      const found = firstAlias(it.key) ?? firstAlias(it.value);
      if (found !== null) return found;
    }
  } else if (isSeq(node)) {
    for (const it of node.items) {
      const found = firstAlias(it);
      if (found !== null) return found;
    }
  }
  return null;
}

interface DuplicateKey {
  path: Path;
  key: string;
  /** the start of the key's first occurrence */
  first: number;
}

/** the mapping key that starts at `at` and repeats an earlier key of its mapping */
function duplicateKeyAt(node: unknown, at: number, path: Path): DuplicateKey | null {
  if (isMap(node)) {
    const seen = new Map<string, number>();
    for (const it of node.items) {
      const key = isScalar(it.key) ? String(it.key.value) : null;
      const start = (it.key as Node | null)?.range?.[0];
      if (key !== null && start !== undefined) {
        const first = seen.get(key);
        if (first !== undefined && start === at) return { path, key, first };
        if (first === undefined) seen.set(key, start);
      }
      const found = duplicateKeyAt(it.value, at, [...path, key ?? "?"]);
      if (found !== null) return found;
    }
  } else if (isSeq(node)) {
    for (const [i, it] of node.items.entries()) {
      const found = duplicateKeyAt(it, at, [...path, i]);
      if (found !== null) return found;
    }
  }
  return null;
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((p, i) => String(p) === String(b[i]));
}

/** applies the `--set` overrides to the parsed document, in the order given */
function applySets(ld: Loader, data: unknown, sets: Record<string, string>): unknown {
  const root: Record<string, unknown> = isRecord(data) ? data : {};
  for (const [field, raw] of Object.entries(sets)) {
    const arg = `${field}=${raw}`;
    const bad = (message: string): never => {
      throw new ScenarioError(`${ld.source}: --set ${arg}: ${message}`);
    };
    let path: Path = [];
    try {
      const parsed = parseSetArgument(arg);
      if (parsed.value !== raw) throw new Error(`expected a field path such as policy.oomVictim or cgroups["/a"]["misc.max"], got ${quote(field)}`);
      path = parsed.path;
    } catch (e) {
      bad((e as Error).message);
    }
    const doc = parseDocument(raw, { prettyErrors: false, uniqueKeys: true });
    const err = doc.errors[0];
    if (err !== undefined) bad(`the value is not valid YAML: ${err.message.split("\n")[0] ?? ""}`);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch {
      bad(`the value's aliases expand into more than ${MAX_ALIASES} copies`);
    }
    let obj: unknown = root;
    for (const [i, k] of path.entries()) {
      const here = formatPath(path.slice(0, i));
      if (typeof k === "number") {
        if (!Array.isArray(obj)) bad(`${here} is not a list, so [${k}] does not apply`);
        else if (k > obj.length) bad(`${here} has ${obj.length} item(s): expected an index up to ${obj.length} (${obj.length} adds an item)`);
      } else if (!isRecord(obj)) bad(`${here} is ${Array.isArray(obj) ? "a list: expected an index such as [0]" : `${show(obj)}, not a mapping`}, so .${k} does not apply`);
      const container = obj as Record<string | number, unknown>;
      const next = i === path.length - 1 ? value : Object.hasOwn(container, k) && container[k] !== null && container[k] !== undefined ? container[k] : typeof path[i + 1] === "number" ? [] : {};
      // an own property even for a key such as __proto__, which then fails validation as an unknown key
      Object.defineProperty(container, k, { value: next, enumerable: true, writable: true, configurable: true });
      obj = next;
    }
    ld.addSet(path, arg);
  }
  return root;
}

class Loader {
  private readonly lines = new LineCounter();
  private readonly doc: Document;
  /** the --set overrides applied, each with its argument as given */
  private readonly sets: { path: Path; arg: string }[] = [];
  onWarning: (message: string) => void = () => {};

  constructor(
    text: string,
    readonly source: string,
  ) {
    const atOffset = (p: TextProblem): never => {
      if (p.offset < 0) throw new ScenarioError(`${source}: ${p.message}`);
      const pos = lineCol(text, p.offset);
      throw new ScenarioError(`${source}:${pos.line}:${pos.col}: ${p.message}`);
    };
    const bad = unprintable(text);
    if (bad !== null) atOffset({ ...bad, message: `the file is not valid YAML or JSON: ${bad.message}` });
    if (isJsonSource(source)) {
      const json = strictJsonProblem(text);
      if (json !== null) atOffset(json);
    }
    // strict JSON is YAML too: the YAML parser gives every node its line and column, and finds duplicate keys
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err !== undefined) this.syntaxError(err);
  }

  private syntaxError(err: YAMLError): never {
    const pos = this.lines.linePos(err.pos[0]);
    if (err.code === "DUPLICATE_KEY") {
      const dup = duplicateKeyAt(this.doc.contents, err.pos[0], []);
      if (dup !== null) {
        const first = this.lines.linePos(dup.first);
        throw new ScenarioError(
          `${this.source}:${pos.line}:${pos.col}: ${formatPath([...dup.path, dup.key])}: the key ${quote(dup.key)} appears twice in one mapping (first at line ${first.line}, column ${first.col}); each key may appear only once`,
        );
      }
    }
    // the parser catches its own stack overflow on input nested thousands deep
    const what = /^Maximum call stack size exceeded/u.test(err.message) ? "it nests too deeply for the parser (mappings or lists inside one another, by the thousand)" : (err.message.split("\n")[0] ?? "invalid YAML");
    throw new ScenarioError(`${this.source}:${pos.line}:${pos.col}: the file is not valid YAML or JSON: ${what}`);
  }

  data(): unknown {
    try {
      return this.doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      if (!(e instanceof ReferenceError) || !/resource exhaustion/u.test(e.message)) throw e;
      const alias = firstAlias(this.doc.contents);
      const pos = alias?.range ? this.lines.linePos(alias.range[0]) : { line: 1, col: 1 };
      throw new ScenarioError(
        `${this.source}:${pos.line}:${pos.col}: the file is not valid YAML or JSON: its aliases expand into more than ${MAX_ALIASES} copies (a guard against resource-exhaustion input such as "billion laughs")`,
      );
    }
  }

  /** records a --set override so that a problem in its value names the argument, not a line of the file */
  addSet(path: Path, arg: string): void {
    this.sets.push({ path, arg });
  }

  /** the YAML node at `path` (or the deepest existing ancestor) and whether the whole path exists */
  private lookup(path: Path): { node: unknown; complete: boolean } {
    let node: unknown = this.doc.contents;
    for (const p of path) {
      let next: unknown;
      if (isMap(node)) next = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(p))?.value;
      else if (isSeq(node) && typeof p === "number") next = node.items[p];
      if (next === undefined || next === null) return { node, complete: false };
      node = next;
    }
    return { node, complete: true };
  }

  /** the YAML node at `path`, or the deepest existing ancestor; `key` points at a key of a mapping */
  private position(path: Path, key?: string): { line: number; col: number } {
    const { node } = this.lookup(path);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === key);
      if (pair !== undefined && isScalar(pair.key) && pair.key.range) return this.lines.linePos(pair.key.range[0]);
    }
    const range = (node as Node | null)?.range;
    return range ? this.lines.linePos(range[0]) : { line: 1, col: 1 };
  }

  /**
   * the --set override a problem at `full` belongs to: one that set this field or a field above it,
   * or one below it when the file has no such field (the override created it); the most specific wins
   */
  private setAt(full: Path): { path: Path; arg: string } | undefined {
    const candidates = this.sets.filter((s) => isPrefix(s.path, full) || (isPrefix(full, s.path) && !this.lookup(full).complete));
    return candidates.sort((a, b) => b.path.length - a.path.length)[0];
  }

  /** "FILE:LINE:COL: field: ", or for a field a --set override gave, "FILE: --set ARG: [field: ]" */
  private where(path: Path, key?: string): string {
    const full = key === undefined ? path : [...path, key];
    const set = this.setAt(full);
    if (set !== undefined) return `${this.source}: --set ${set.arg}: ${isPrefix(full, set.path) && isPrefix(set.path, full) ? "" : `${formatPath(full)}: `}`;
    const pos = this.position(path, key);
    return `${this.source}:${pos.line}:${pos.col}: ${formatPath(full)}: `;
  }

  fail(path: Path, message: string, key?: string): never {
    throw new ScenarioError(`${this.where(path, key)}${message}`);
  }

  /** a problem that does not stop the run: one line for the caller to show */
  warn(path: Path, message: string, key?: string): void {
    this.onWarning(escapeControls(`${this.where(path, key)}${message}`));
  }

  /** validates `value` (found at `path`) with `schema` */
  check<S extends z.ZodType>(schema: S, value: unknown, path: Path): z.output<S> {
    const r = schema.safeParse(value, { reportInput: true });
    if (r.success) return r.data;
    const issues = r.error.issues as Issue[];
    // a misspelt key also makes the key it was meant to be missing: name the misspelling
    const issue = issues.find((i) => i.code === "unrecognized_keys") ?? pickIssue(issues);
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys ?? [];
      const allowed = allowedKeys(schema, issue.path);
      this.fail([...path, ...issue.path], `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}${allowed}`, keys[0]);
    }
    this.fail([...path, ...issue.path], describeIssue(issue, valueAt(value, issue.path)));
  }
}

interface Issue {
  code: string;
  path: (string | number)[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  origin?: string;
  errors?: Issue[][];
  input?: unknown;
}

function valueAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** the most specific issue: for unions, the branch that got furthest */
function pickIssue(issues: Issue[]): Issue {
  const first = issues[0] as Issue;
  if (first.code === "invalid_union" && first.errors !== undefined && first.errors.length > 0) {
    const branches = first.errors.filter((b) => b.length > 0);
    // prefer a branch whose issue is deeper than "wrong type here"
    const deep = branches.map((b) => pickIssue(b)).sort((a, b) => b.path.length - a.path.length);
    const best = deep[0];
    if (best !== undefined && best.path.length > 0) return { ...best, path: [...first.path, ...best.path] };
    // a branch that accepted the type but not the value says the most
    const custom = deep.find((i) => i.code === "custom") ?? deep.find((i) => i.code === "invalid_value");
    if (custom !== undefined) return { ...custom, path: first.path };
    return first;
  }
  return first;
}

/** zod's type names as the YAML author knows them */
const TYPE_NAMES: Record<string, string> = {
  number: "a number",
  int: "an integer",
  string: "a string",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
  null: "null",
};

function typeName(expected: string | undefined): string {
  if (expected === undefined) return "another type";
  return TYPE_NAMES[expected] ?? expected;
}

function describeIssue(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case "invalid_type":
      if (input === undefined) return issue.expected === undefined || issue.expected === "nonoptional" ? "is required" : `is required (expected ${typeName(issue.expected)})`;
      return `expected ${typeName(issue.expected)}, got ${show(input)}`;
    case "invalid_value":
      return `expected one of ${(issue.values ?? []).map((v) => show(v)).join(", ")}, got ${show(input)}`;
    case "too_small":
      if (issue.origin === "array") return `expected at least ${issue.minimum} item(s)`;
      return `expected a number ${issue.inclusive === false ? ">" : ">="} ${issue.minimum}, got ${show(input)}`;
    case "too_big":
      if (issue.origin === "array") return `expected at most ${issue.maximum} item(s)`;
      return `expected a number ${issue.inclusive === false ? "<" : "<="} ${issue.maximum}, got ${show(input)}`;
    case "invalid_union":
      return `expected ${issue.message.replace(/^Invalid input:?\s*/i, "") || "a value of another form"}, got ${show(input)}`;
    case "invalid_format":
      return `${issue.message}, got ${show(input)}`;
    default:
      return issue.message;
  }
}

interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  innerType?: unknown;
  in?: unknown;
  options?: unknown[];
}

function defOf(s: unknown): SchemaDef | undefined {
  return (s as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
}

/** strips optional, nullable, default and transform wrappers, and picks the mapping of a union such as `null | {expect}` */
function unwrapSchema(s: unknown): unknown {
  for (let def = defOf(s); def !== undefined; def = defOf(s)) {
    if (def.innerType !== undefined) s = def.innerType;
    else if (def.type === "pipe" && def.in !== undefined) s = def.in;
    else if (def.type === "union" && def.options !== undefined) {
      const objects = def.options.filter((o) => defOf(unwrapSchema(o))?.type === "object");
      if (objects.length !== 1) break;
      s = objects[0];
    } else break;
  }
  return s;
}

/** "; expected one of a, b, c": the keys the mapping at `path` of `schema` accepts */
function allowedKeys(schema: z.ZodType, path: Path): string {
  let s: unknown = unwrapSchema(schema);
  for (const p of path) {
    const def = defOf(s);
    if (def?.type === "object" && typeof p === "string") s = def.shape?.[p];
    else if (def?.type === "array" && typeof p === "number") s = def.element;
    else return "";
    s = unwrapSchema(s);
  }
  const def = defOf(s);
  return def?.type === "object" && def.shape !== undefined ? `; expected one of ${Object.keys(def.shape).join(", ")}` : "";
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** the one key of `obj` that names a variant in `variants`, or a failure naming them */
function variantOf<K extends string>(ld: Loader, obj: unknown, path: Path, variants: readonly K[], what: string): K {
  if (!isRecord(obj)) ld.fail(path, `expected ${what}: a mapping with one of the keys ${variants.join(", ")}, got ${show(obj)}`);
  const found = Object.keys(obj).filter((k): k is K => (variants as readonly string[]).includes(k)); // in file order
  if (found.length === 1) return found[0] as K;
  if (found.length === 0) ld.fail(path, `expected ${what}: a mapping with one of the keys ${variants.join(", ")}, got keys ${Object.keys(obj).join(", ") || "none"}`);
  ld.fail(path, `expected ${what} with only one of the keys ${variants.join(", ")}, got ${found.join(" and ")}`);
}

function pagesOf(ld: Loader, bytes: number, path: Path, what: string): number {
  if (bytes % PAGE !== 0) ld.fail(path, `expected ${what} that is a multiple of 4096 bytes, got ${bytes}`);
  return bytes / PAGE;
}


function lowerMachine(ld: Loader, raw: z.output<typeof topSchema>["machine"]): MachineConfig {
  const m = raw ?? {};
  const path = ["machine"];
  if (m.epc !== undefined && m.sections !== undefined) ld.fail(path, "expected either epc or sections, not both", "sections");
  // the profile names the platform: its EPC sections, NUMA nodes and CPUs are the defaults
  const profile = profileName(m.profile ?? "client-128m");
  if (profile === undefined) ld.fail([...path, "profile"], `expected one of ${costProfileNames.join(", ")}, got ${show(m.profile)}`);
  const platform = profilePlatform(profile);
  let numaNodes = m.numaNodes ?? platform.epc.numaNodes;
  const sections: MachineConfig["sections"] = [];
  if (m.sections !== undefined) {
    if (m.sections.length > 8) ld.fail([...path, "sections"], `expected at most 8 EPC sections (SGX_MAX_EPC_SECTIONS), got ${m.sections.length}`);
    if (m.numaNodes === undefined) numaNodes = Math.max(...m.sections.map((s) => (s.node ?? 0) + 1));
    m.sections.forEach((s, i) => {
      const pages = pagesOf(ld, s.size, [...path, "sections", i, "size"], "a section size");
      if (pages === 0) ld.fail([...path, "sections", i, "size"], "expected a section of at least one page");
      const node = s.node ?? 0;
      if (node >= numaNodes) ld.fail([...path, "sections", i, "node"], `expected a node below numaNodes (${numaNodes}), got ${node}`);
      sections.push({ size: s.size, node });
    });
  } else if (m.epc === undefined && numaNodes === platform.epc.numaNodes) {
    for (const s of platform.epc.sections) sections.push({ ...s });
  } else {
    // epc given, or the profile's EPC over another number of nodes: split evenly, the last node taking the remainder
    const epc = m.epc ?? platform.epc.sections.reduce((n, s) => n + s.size, 0);
    const pages = pagesOf(ld, epc, [...path, "epc"], "an EPC size");
    const at = m.epc === undefined ? [...path, "numaNodes"] : [...path, "epc"];
    if (pages < numaNodes) ld.fail(at, `expected at least one page per NUMA node, got ${pages} pages for ${numaNodes} nodes`);
    const per = Math.floor(pages / numaNodes);
    for (let n = 0; n < numaNodes; n++) {
      const p = n === numaNodes - 1 ? pages - per * (numaNodes - 1) : per;
      sections.push({ size: p * PAGE, node: n });
    }
  }
  const costs = m.costs ?? {};
  const params = Object.keys(costProfiles[profile]?.params ?? {});
  for (const key of Object.keys(costs)) {
    if (!params.includes(key)) ld.fail([...path, "costs"], `unknown cost parameter "${key}"; expected one of ${params.join(", ")}`, key);
  }
  try {
    resolveCosts(profile, costs);
  } catch (e) {
    // costs.ts words its errors as sentences; here they follow "field: "
    const msg = (e as Error).message.replace(/\.$/, "");
    const key = /"([^"]+)"/.exec(msg)?.[1];
    const at: Path = key !== undefined && Object.hasOwn(costs, key) ? [...path, "costs", key] : [...path, "costs"];
    ld.fail(at, msg.charAt(0).toLowerCase() + msg.slice(1));
  }
  return { sections, numaNodes, cpus: m.cpus ?? platform.cpus.value, sgx2: m.sgx2 ?? true, profile, costs };
}

function lowerPattern(ld: Loader, raw: unknown, path: Path): AccessPhase {
  const a = ld.check(phaseSchemas.pattern, raw, path);
  if (a.skew !== undefined && a.pattern !== "zipf") ld.fail(path, "skew only applies to pattern: zipf", "skew");
  if (a.hot !== undefined && a.pattern !== "hotcold") ld.fail(path, "hot only applies to pattern: hotcold", "hot");
  const pages = pagesOf(ld, a.pages, [...path, "pages"], "a working set");
  if (pages === 0) ld.fail([...path, "pages"], "expected a working set of at least one page");
  const offset = a.offset ?? 0;
  pagesOf(ld, offset, [...path, "offset"], "an offset");
  const pattern: AccessPhase["pattern"] =
    a.pattern === "zipf"
      ? { kind: "zipf", skew: a.skew ?? 0.99 }
      : a.pattern === "hotcold"
        ? { kind: "hotcold", hotFraction: a.hot?.fraction ?? 0.1, hotProbability: a.hot?.probability ?? 0.9 }
        : { kind: a.pattern };
  return { type: "access", pattern, offset, pages, count: a.count, writeRatio: a.writeRatio ?? 0, thinkNs: a.think ?? 0 };
}

function lowerAccess(ld: Loader, raw: unknown, path: Path): Phase[] {
  if (isRecord(raw) && "phases" in raw) {
    const { phases } = ld.check(phasesSchema, raw, path);
    return phases.map((ph, i) => {
      const p = [...path, "phases", i];
      const kind = variantOf(ld, ph, p, ["pattern", "idle", "grow", "shrink"] as const, "a phase");
      if (kind === "pattern") return lowerPattern(ld, ph, p);
      if (kind === "idle") return { type: "idle", durationNs: ld.check(phaseSchemas.idle, ph, p).idle };
      if (kind === "grow") {
        const bytes = ld.check(phaseSchemas.grow, ph, p).grow;
        pagesOf(ld, bytes, [...p, "grow"], "a size");
        return { type: "grow", bytes };
      }
      const bytes = ld.check(phaseSchemas.shrink, ph, p).shrink;
      pagesOf(ld, bytes, [...p, "shrink"], "a size");
      return { type: "shrink", bytes };
    });
  }
  return [lowerPattern(ld, raw, path)];
}

function perm(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  return (s.includes("r") ? 1 : 0) | (s.includes("w") ? 2 : 0) | (s.includes("x") ? 4 : 0);
}

const SECINFO_TYPES: Record<string, EacceptSecinfo["type"]> = { REG: "REG", TCS: "TCS", TRIM: "TRIM" };

/** "R|W|REG|PENDING" (the selftest's SGX_SECINFO_* flags) as a SECINFO */
function secinfoFlags(ld: Loader, text: string, path: Path): EacceptSecinfo {
  const out: EacceptSecinfo = { type: "REG", perm: 0, pending: false, modified: false, pr: false };
  let types = 0;
  for (const word of text.split(/[\s|]+/).filter((w) => w !== "")) {
    const w = word.toUpperCase();
    if (w === "R" || w === "W" || w === "X") out.perm |= w === "R" ? 1 : w === "W" ? 2 : 4;
    else if (w === "PENDING") out.pending = true;
    else if (w === "MODIFIED") out.modified = true;
    else if (w === "PR") out.pr = true;
    else if (SECINFO_TYPES[w] !== undefined) {
      out.type = SECINFO_TYPES[w];
      types++;
    } else ld.fail(path, `expected SECINFO flags among R, W, X, REG, TCS, TRIM, PENDING, MODIFIED, PR, got ${JSON.stringify(word)}`);
  }
  if (types !== 1) ld.fail(path, `expected exactly one page type (REG, TCS or TRIM) in ${JSON.stringify(text)}`);
  return out;
}

function touchBytes(ld: Loader, v: unknown, epc: number, path: Path): number {
  if (v === undefined || v === "all") return epc;
  const r = parseSize(v);
  if (typeof r === "string") ld.fail(path, `${r} or "all"`);
  if (r > epc) ld.fail(path, `expected at most the guest's EPC (${epc} bytes), got ${r}`);
  return r;
}

function lowerSteps(ld: Loader, items: unknown[], path: Path): Step[] {
  const names = Object.keys(stepSchemas) as (keyof typeof stepSchemas)[];
  const steps: Step[] = items.map((item, i): Step => {
    const p = [...path, i];
    const op = variantOf(ld, item, p, names, "a step");
    if (Object.keys(item as object).length !== 1) ld.fail(p, `expected a step with the single key ${op}`);
    const body = (item as Record<string, unknown>)[op];
    const bp = [...p, op];
    switch (op) {
      case "create": {
        const s = ld.check(stepSchemas.create, body, bp);
        return { op: "create", size: s.size, debug: s.debug ?? false, ...(s.provisionKey ? { provisionKey: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "provision": {
        const s = ld.check(stepSchemas.provision, body, bp);
        return { op: "provision", validFd: s?.fd !== "other", ...(s?.expect ? { expect: s.expect } : {}) };
      }
      case "addPages": {
        const s = ld.check(stepSchemas.addPages, body, bp);
        const chunk = s.chunk ?? Math.max(s.length, PAGE);
        if (chunk === 0 || chunk % PAGE !== 0) ld.fail([...bp, "chunk"], `expected a positive multiple of 4096 bytes, got ${chunk}`);
        const type = s.type === "tcs" ? "TCS" : "REG";
        return { op: "addPages", offset: s.offset, length: s.length, type, perm: perm(s.perm, type === "TCS" ? 0 : 3), measure: s.measure ?? true, chunk, ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "init": {
        const s = ld.check(stepSchemas.init, body, bp);
        return s?.expect ? { op, expect: s.expect } : { op };
      }
      case "mmap": {
        const s = ld.check(stepSchemas.mmap, body, bp);
        return {
          op,
          ...(s?.prot !== undefined ? { prot: perm(s.prot, 0) } : {}),
          ...(s?.private ? { private: true } : {}),
          ...(s?.expect ? { expect: s.expect } : {}),
        };
      }
      case "run": {
        const s = ld.check(stepSchemas.run, body, bp);
        return { op: "run", threads: s.threads ?? 1, phases: lowerAccess(ld, s.access, [...bp, "access"]) };
      }
      case "ecall": {
        const s = ld.check(stepSchemas.ecall, body, bp);
        const offsets = (v: unknown, key: string): number[] =>
          (Array.isArray(v) ? v : [v]).map((t, j) => {
            const r = parseSize(t);
            if (typeof r === "string") ld.fail(Array.isArray(v) ? [...bp, key, j] : [...bp, key], r);
            return r;
          });
        const checked = s.read !== undefined || s.write !== undefined || s.tcs !== undefined || s.resume !== undefined || s.vdso !== undefined || s.exception !== undefined;
        if (s.touch !== undefined && checked) ld.fail(bp, "expected either touch (unchecked accesses) or read/write/tcs/resume/vdso/exception, not both");
        if (s.read !== undefined && s.write !== undefined) ld.fail(bp, "expected read or write, not both: one ECALL does one kind of access (use two ecall steps)");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return {
          op: "ecall",
          touches: s.touch === undefined ? [] : offsets(s.touch, "touch"),
          ...(s.read !== undefined ? { reads: offsets(s.read, "read") } : {}),
          ...(s.write !== undefined ? { writes: offsets(s.write, "write") } : {}),
          ...(s.tcs !== undefined ? { tcs: s.tcs } : {}),
          ...(s.resume ? { resume: true } : {}),
          ...(s.vdso || s.exception !== undefined ? { vdso: true } : {}),
          ...(s.exception !== undefined ? { exception: s.exception } : {}),
        };
      }
      case "modifyTypes": {
        const s = ld.check(stepSchemas.modifyTypes, body, bp);
        return { op: "modifyTypes", offset: s.offset, length: s.length, pageType: s.type === "tcs" ? "TCS" : "TRIM", ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "restrictPermissions": {
        const s = ld.check(stepSchemas.restrictPermissions, body, bp);
        return { op: "restrictPermissions", offset: s.offset, length: s.length, perm: perm(s.perm, 0), ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "eaccept": {
        const s = ld.check(stepSchemas.eaccept, body, bp);
        pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        pagesOf(ld, s.length, [...bp, "length"], "a length");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return {
          op: "eaccept",
          offset: s.offset,
          length: s.length,
          ...(s.tcs !== undefined ? { tcs: s.tcs } : {}),
          ...(s.secinfo !== undefined ? { secinfo: secinfoFlags(ld, s.secinfo, [...bp, "secinfo"]) } : {}),
        };
      }
      case "emodpe": {
        const s = ld.check(stepSchemas.emodpe, body, bp);
        pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        pagesOf(ld, s.length, [...bp, "length"], "a length");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return { op: "emodpe", offset: s.offset, length: s.length, perm: perm(s.perm, 0), ...(s.tcs !== undefined ? { tcs: s.tcs } : {}) };
      }
      case "removePages": {
        const s = ld.check(stepSchemas.removePages, body, bp);
        return { op: "removePages", offset: s.offset, length: s.length, ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "fork":
        return { op: "fork", holdNs: ld.check(stepSchemas.fork, body, bp).hold };
      case "idle":
        return { op: "idle", durationNs: ld.check(stepSchemas.idle, body, bp) };
      case "close":
        ld.check(stepSchemas.close, body, bp);
        return { op: "close" };
      case "vepc": {
        const s = ld.check(stepSchemas.vepc, body, bp);
        pagesOf(ld, s.epc, [...bp, "epc"], "a guest EPC size");
        return { op: "vepc", bytes: s.epc, touch: touchBytes(ld, s.touch, s.epc, [...bp, "touch"]) };
      }
      case "hold":
        return { op: "hold", durationNs: ld.check(stepSchemas.hold, body, bp) };
      case "vepcRemoveAll": {
        const s = ld.check(stepSchemas.vepcRemoveAll, body, bp);
        return { op: "vepcRemoveAll", arg: s?.arg ?? 0, ...(s?.expect ? { expect: s.expect } : {}) };
      }
      case "mprotect": {
        const s = ld.check(stepSchemas.mprotect, body, bp);
        if (s.offset !== undefined) pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        if (s.length !== undefined) pagesOf(ld, s.length, [...bp, "length"], "a length");
        return {
          op: "mprotect",
          prot: perm(s.prot, 0),
          ...(s.offset !== undefined ? { offset: s.offset } : {}),
          ...(s.length !== undefined ? { length: s.length } : {}),
          ...(s.expect ? { expect: s.expect } : {}),
        };
      }
      case "exit":
        return { op: "exit", code: ld.check(stepSchemas.exit, body, bp) };
    }
  });
  if (steps.at(-1)?.op !== "exit") steps.push({ op: "exit", code: 0 });
  return steps;
}

function lowerProgram(ld: Loader, raw: unknown, path: Path, totalEpc: number): Step[] {
  const kind = variantOf(ld, raw, path, Object.keys(programSchemas) as (keyof typeof programSchemas)[], "a program");
  if (kind === "preset") {
    ld.check(presetProgramSchema, raw, path);
    return presetTestSgxOversubscribed(totalEpc);
  }
  if (kind === "vm") {
    const { vm } = ld.check(vmProgramSchema, raw, path);
    pagesOf(ld, vm.epc, [...path, "vm", "epc"], "a guest EPC size");
    const touch = touchBytes(ld, vm.touch, vm.epc, [...path, "vm", "touch"]);
    return [{ op: "vepc", bytes: vm.epc, touch }, { op: "hold", durationNs: vm.hold ?? null }, { op: "exit", code: 0 }];
  }
  if (kind === "steps") {
    const { steps } = ld.check(stepsProgramSchema, raw, path);
    return lowerSteps(ld, steps, [...path, "steps"]);
  }
  const p = ld.check(enclaveProgramSchema, raw, path);
  const e = p.enclave;
  const ep = [...path, "enclave"];
  pagesOf(ld, e.size, [...ep, "size"], "an enclave size");
  const add = e.add ?? e.size;
  const addPages = pagesOf(ld, add, [...ep, "add"], "an added size");
  const tcs = e.tcs ?? 1;
  if (addPages < tcs) ld.fail([...ep, "add"], `expected room for the ${tcs} TCS page(s), got ${addPages} page(s)`);
  const threads = p.threads ?? 1;
  if (threads > tcs) ld.fail([...path, "threads"], `expected at most tcs (${tcs}) threads, got ${threads}`);
  const chunk = e.addChunk ?? add;
  if (chunk === 0 || chunk % PAGE !== 0) ld.fail([...ep, "addChunk"], `expected a positive multiple of 4096 bytes, got ${chunk}`);
  const measure = e.measure ?? true;
  const regBytes = (addPages - tcs) * PAGE;
  const steps: Step[] = [{ op: "create", size: e.size, debug: e.debug ?? false }];
  if (regBytes > 0) steps.push({ op: "addPages", offset: 0, length: regBytes, type: "REG", perm: 7, measure, chunk });
  steps.push({ op: "addPages", offset: regBytes, length: tcs * PAGE, type: "TCS", perm: 0, measure, chunk });
  steps.push({ op: "init" }, { op: "mmap" });
  if (p.access !== undefined) steps.push({ op: "run", threads, phases: lowerAccess(ld, p.access, [...path, "access"]) });
  steps.push({ op: "exit", code: 0 });
  return steps;
}

const WRITABLE: readonly string[] = WRITABLE_CGROUP_FILES;

/**
 * The `cgroups:` section: a mapping of paths to {file: value} writes — where a key that starts with
 * "/" nests a child (relative to its parent unless it already starts with the parent's path) — or a
 * list of {path, files}. Parents come before children.
 */
function lowerCgroups(ld: Loader, raw: unknown): CgroupConfig[] {
  const out: CgroupConfig[] = [];
  if (raw === undefined || raw === null) return out;
  const fileValue = (v: unknown, path: Path): string => {
    if (typeof v === "string" || typeof v === "number") return String(v);
    ld.fail(path, `expected the text to write, such as "sgx_epc 1048576", got ${show(v)}`);
  };
  const visit = (cgPath: string, body: unknown, path: Path): void => {
    if (!cgPath.startsWith("/")) ld.fail(path, `expected a cgroup path starting with "/", got ${show(cgPath)}`);
    const cg: CgroupConfig = { path: normalizePath(cgPath), writes: [] };
    out.push(cg);
    if (body === null || body === undefined) return;
    if (!isRecord(body)) ld.fail(path, `expected a mapping of interface files (${WRITABLE.join(", ")}) to the text written, or null, got ${show(body)}`);
    for (const [key, value] of Object.entries(body)) {
      if (key.startsWith("/")) {
        const child = key.startsWith(`${cg.path}/`) ? key : `${cg.path === "/" ? "" : cg.path}${key}`;
        visit(child, value, [...path, key]);
      } else if (WRITABLE.includes(key)) {
        cg.writes.push({ file: key, value: fileValue(value, [...path, key]) });
      } else if (key === "expect") {
        if (typeof value !== "string" || !/^E[A-Z]+$/.test(value)) ld.fail([...path, key], `expected the errno name a write of this entry must fail with, such as EINVAL, got ${show(value)}`);
        cg.expect = value;
      } else {
        ld.fail(path, `unknown key "${key}"; expected one of ${WRITABLE.join(", ")} or a child cgroup path starting with "/"`, key);
      }
    }
  };
  if (Array.isArray(raw)) {
    raw.forEach((item, i) => {
      const path = ["cgroups", i];
      if (!isRecord(item) || typeof item.path !== "string") ld.fail(path, `expected {path: "/a", files: {misc.max: "sgx_epc 1048576"}}, got ${show(item)}`);
      for (const k of Object.keys(item)) if (k !== "path" && k !== "files") ld.fail(path, `unknown key "${k}"; expected path or files`, k);
      visit(item.path, item.files ?? null, [...path, "files"]);
    });
  } else if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) visit(key, value, ["cgroups", key]);
  } else {
    ld.fail(["cgroups"], `expected a mapping of cgroup paths to interface-file writes, got ${show(raw)}`);
  }
  return out;
}

function lower(ld: Loader, overrides: LoadOverrides): Scenario {
  if (overrides.seed !== undefined && !(Number.isSafeInteger(overrides.seed) && overrides.seed >= 0)) {
    throw new ScenarioError(`${ld.source}: seed override: expected an integer >= 0, got ${show(overrides.seed)}`);
  }
  if (overrides.onWarning !== undefined) ld.onWarning = overrides.onWarning;
  const raw = overrides.set === undefined ? ld.data() : applySets(ld, ld.data(), overrides.set);
  if (raw === null || raw === undefined) ld.fail([], "expected a scenario mapping, got an empty file");
  const top = ld.check(topSchema, raw, []);
  const machine = lowerMachine(ld, top.machine);
  const totalEpc = machine.sections.reduce((n, s) => n + s.size, 0);
  const totalPages = totalEpc / PAGE;

  const processes: ProcessConfig[] = [];
  const baseNames = new Set<string>();
  (top.processes ?? []).forEach((p, i) => {
    const path = ["processes", i];
    if (baseNames.has(p.name)) ld.fail([...path, "name"], `expected a unique process name, but "${p.name}" is used twice`);
    baseNames.add(p.name);
    if (p.program === undefined) ld.fail(path, "is missing its program (expected a program: enclave, preset, vm or steps)", undefined);
    const steps = lowerProgram(ld, p.program, [...path, "program"], totalEpc);
    const replicas = p.replicas ?? 1;
    for (let r = 0; r < replicas; r++) {
      processes.push({
        name: replicas === 1 ? p.name : `${p.name}[${r}]`,
        start: p.start ?? 0,
        cgroup: normalizePath(p.cgroup ?? "/"),
        steps,
        ...(p.memory !== undefined && p.memory > 0 ? { memoryBytes: p.memory } : {}),
      });
    }
  });
  const instance = (name: string): boolean => processes.some((q) => q.name === name || q.name.startsWith(`${name}[`));

  const cgroups = lowerCgroups(ld, top.cgroups);
  const knownCgroups = new Set<string>(["/"]);
  for (const c of cgroups) {
    const parts = c.path.split("/").filter((x) => x !== "");
    for (let i = 1; i <= parts.length; i++) knownCgroups.add(`/${parts.slice(0, i).join("/")}`);
  }

  const kinds = ["kill", "memoryFailure", "inject", "write", "read", "mkdir", "rmdir", "move"] as const;
  const events: ScheduledEvent[] = (top.events ?? []).map((ev, i): ScheduledEvent => {
    const path = ["events", i];
    const kind = variantOf(ld, ev, path, kinds, "an event");
    switch (kind) {
      case "kill": {
        const e = ld.check(eventSchemas.kill, ev, path);
        if (!instance(e.kill)) ld.fail([...path, "kill"], `expected the name of a process instance, got ${show(e.kill)}`);
        return { at: e.at, action: { type: "kill", target: e.kill, signal: e.signal ?? "SIGKILL" } };
      }
      case "memoryFailure": {
        const e = ld.check(eventSchemas.memoryFailure, ev, path);
        const mf = e.memoryFailure;
        if (mf.frame >= totalPages) ld.fail([...path, "memoryFailure", "frame"], `expected a frame below ${totalPages} (the EPC has ${totalPages} frames), got ${mf.frame}`);
        const proc = mf.process ?? null;
        if (proc !== null && !processes.some((q) => q.name === proc)) ld.fail([...path, "memoryFailure", "process"], `expected the name of a process instance, got ${show(proc)}`);
        return { at: e.at, action: { type: "memoryFailure", frame: mf.frame, actionRequired: mf.actionRequired ?? false, process: proc } };
      }
      case "inject": {
        const e = ld.check(eventSchemas.inject, ev, path);
        return { at: e.at, action: { type: "injectFailure", leaf: e.inject.leaf, count: e.inject.count ?? 1 } };
      }
      case "write": {
        const e = ld.check(eventSchemas.write, ev, path);
        return { at: e.at, action: { type: "write", path: e.write.path, value: String(e.write.value) } };
      }
      case "read": {
        const e = ld.check(eventSchemas.read, ev, path);
        return { at: e.at, action: { type: "read", path: e.read } };
      }
      case "mkdir": {
        const e = ld.check(eventSchemas.mkdir, ev, path);
        knownCgroups.add(normalizePath(e.mkdir));
        return { at: e.at, action: { type: "mkdir", path: normalizePath(e.mkdir) } };
      }
      case "rmdir": {
        const e = ld.check(eventSchemas.rmdir, ev, path);
        return { at: e.at, action: { type: "rmdir", path: normalizePath(e.rmdir) } };
      }
      case "move": {
        const e = ld.check(eventSchemas.move, ev, path);
        if (!instance(e.move.process)) ld.fail([...path, "move", "process"], `expected the name of a process instance, got ${show(e.move.process)}`);
        return { at: e.at, action: { type: "move", process: e.move.process, cgroup: normalizePath(e.move.cgroup) } };
      }
    }
  });
  // a process's cgroup that nothing declares is created at time zero, like a container runtime would;
  // when cgroups: declares others, it is more likely a misspelling of one of them
  const declared = [...cgroups.map((c) => c.path), ...events.flatMap((e) => (e.action.type === "mkdir" ? [e.action.path] : []))];
  const declaresCgroups = cgroups.length > 0;
  (top.processes ?? []).forEach((p, i) => {
    const cg = normalizePath(p.cgroup ?? "/");
    if (knownCgroups.has(cg)) return;
    if (declaresCgroups) {
      const closest = closestMatch(cg, declared) ?? "/";
      ld.warn(["processes", i, "cgroup"], `${quote(cg)} is not declared in cgroups (it is created at time zero, without limits); the closest declared cgroup is ${quote(closest)}`);
    }
    cgroups.push({ path: cg, writes: [] });
    knownCgroups.add(cg);
  });
  events.sort((a, b) => a.at - b.at);

  return {
    source: ld.source,
    kernel: (top.kernel ?? "mainline") as KernelGeneration,
    seed: overrides.seed ?? top.seed ?? 1,
    untilNs: top.until ?? null,
    machine,
    options: {
      eaugRaceFix: top.options?.eaugRaceFix ?? false,
      timedSanitize: top.options?.timedSanitize ?? false,
      schedQuantumNs: top.options?.schedQuantum ?? eevdfBaseSliceNs(machine.cpus),
      ...(top.options?.kthreads !== undefined ? { kthreads: top.options.kthreads } : {}),
      ...(top.options?.enclLock !== undefined ? { enclLock: top.options.enclLock } : {}),
      ...(top.options?.cgroupQueueAfterCharge !== undefined ? { cgroupQueueAfterCharge: top.options.cgroupQueueAfterCharge } : {}),
      ...(top.options?.miscEvents !== undefined ? { miscEvents: top.options.miscEvents } : {}),
      ...(top.options?.livelockRetries !== undefined ? { livelockRetries: top.options.livelockRetries } : {}),
      ...(top.policy?.unreclaimableTracking !== undefined ? { unreclaimableTracking: top.policy.unreclaimableTracking } : {}),
      ...(top.policy?.oomVictim !== undefined ? { oomVictim: top.policy.oomVictim } : {}),
    },
    processes,
    events,
    cgroups,
  };
}

/**
 * the `--set` argument that gave the time-zero write of `file` in cgroup `cgPath`
 * (cgroups["/a"]["misc.max"]=..., or nested, cgroups["/a"]["/b"]["memory.max"]=...), if one did
 */
export function cgroupWriteSetBy(sets: Record<string, string>, cgPath: string, file: string): string | undefined {
  for (const [field, value] of Object.entries(sets)) {
    let path: Path;
    try {
      path = parseSetArgument(`${field}=${value}`).path;
    } catch {
      continue;
    }
    const keys = path.slice(1, -1);
    if (path[0] !== "cgroups" || path.at(-1) !== file || keys.length === 0 || !keys.every((k) => typeof k === "string" && k.startsWith("/"))) continue;
    // a child key is relative to its parent unless it already starts with the parent's path, as in lowerCgroups
    let cg = normalizePath(keys[0] as string);
    for (const k of keys.slice(1) as string[]) cg = normalizePath(k.startsWith(`${cg}/`) ? k : `${cg === "/" ? "" : cg}${k}`);
    if (cg === normalizePath(cgPath)) return `${field}=${value}`;
  }
  return undefined;
}

export function parseScenarioText(text: string, source: string, overrides: LoadOverrides = {}): Scenario {
  return lower(new Loader(text, source), overrides);
}

export function loadScenarioFile(path: string, overrides: LoadOverrides = {}): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    throw new ScenarioError(`${path}: cannot read the scenario file: ${reason}.`);
  }
  const decoded = decodeUtf8(bytes);
  if (!("text" in decoded)) {
    const pos = lineCol(new TextDecoder().decode(bytes), decoded.offset);
    throw new ScenarioError(`${path}:${pos.line}:${pos.col}: the file is not valid YAML or JSON: ${decoded.message}`);
  }
  return parseScenarioText(decoded.text, path, overrides);
}
