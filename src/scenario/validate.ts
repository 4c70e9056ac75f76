// Validating a value against a zod schema of schema.ts, and turning zod's issues into the one
// problem worth reporting: the most specific issue, worded for the YAML author (the keys a mapping
// accepts, the type expected as the file spells it, the value found).
import type { z } from "zod";
import { show, type Path } from "./errors.js";

/** what is wrong with a value: a field path below it, the message, and for an unknown key that key */
export interface SchemaProblem {
  path: Path;
  message: string;
  key?: string | undefined;
}

/** validates `value` with `schema`: the output, or the one problem to report */
export function validate<S extends z.ZodType>(schema: S, value: unknown): { ok: true; data: z.output<S> } | { ok: false; problem: SchemaProblem } {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return { ok: true, data: r.data };
  const issues = r.error.issues as Issue[];
  // a misspelt key also makes the key it was meant to be missing: name the misspelling
  const issue = issues.find((i) => i.code === "unrecognized_keys") ?? pickIssue(issues);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys ?? [];
    const allowed = allowedKeys(schema, issue.path);
    return { ok: false, problem: { path: issue.path, message: `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")}${allowed}`, key: keys[0] } };
  }
  return { ok: false, problem: { path: issue.path, message: describeIssue(issue, valueAt(value, issue.path)) } };
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
