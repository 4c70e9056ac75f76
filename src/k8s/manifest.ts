// Kubernetes manifests as `kubectl get ... -o yaml` prints them: a multi-document YAML file, each
// document an object or a `List` of objects. Each object is named in messages by its document
// (and item) and its kind and name, so that a problem can be found in a long file; fields epcsim
// does not simulate are ignored with one warning per kind of field.
import { parseAllDocuments } from "yaml";
import { escapeControls } from "../scenario/quote.js";

/** bad input in a manifest: one line, exit code 2 */
export class ManifestError extends Error {
  override name = "ManifestError";
  constructor(message: string) {
    super(escapeControls(message));
  }
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface Manifest {
  file: string;
  /** 1-based document number in the file */
  document: number;
  /** index in a List's items, or null */
  item: number | null;
  kind: string;
  name: string;
  body: JsonObject;
}

/** "pods.yaml: document 2 (Pod \"web\")", or "... document 1, items[3] (Pod \"web\")" */
export function where(m: Manifest): string {
  return `${m.file}: document ${m.document}${m.item === null ? "" : `, items[${m.item}]`} (${m.kind}${m.name === "" ? "" : ` "${m.name}"`})`;
}

/** a field path as kubectl and the API server spell it: spec.containers[0].resources.limits["sgx.intel.com/epc"] */
export function fieldPath(path: (string | number)[]): string {
  let s = "";
  for (const p of path) {
    if (typeof p === "number") s += `[${p}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) s += s === "" ? p : `.${p}`;
    else s += `[${JSON.stringify(p)}]`;
  }
  return s;
}

export function fail(m: Manifest, path: (string | number)[], message: string): never {
  throw new ManifestError(`${where(m)}: ${fieldPath(path)}: ${message}`);
}

/** the value at `path` in `m`'s body (undefined when a step is missing) */
export function at(m: Manifest, path: (string | number)[]): unknown {
  let v: unknown = m.body;
  for (const p of path) {
    if (typeof p === "number") v = Array.isArray(v) ? v[p] : undefined;
    else v = isObject(v) ? v[p] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

export function optString(m: Manifest, path: (string | number)[]): string | undefined {
  const v = at(m, path);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") fail(m, path, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

export function optObject(m: Manifest, path: (string | number)[]): JsonObject | undefined {
  const v = at(m, path);
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) fail(m, path, `expected a mapping, got ${JSON.stringify(v)}`);
  return v;
}

export function optArray(m: Manifest, path: (string | number)[]): Json[] | undefined {
  const v = at(m, path);
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) fail(m, path, `expected a list, got ${JSON.stringify(v)}`);
  return v;
}

/** string-valued mappings (annotations, labels): a non-string value is refused, as by the API server */
export function stringMap(m: Manifest, path: (string | number)[]): Record<string, string> {
  const o = optObject(m, path) ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== "string") fail(m, [...path, k], `expected a string value (quote it: "${String(v)}"), got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

/** every object of a manifests file, Lists expanded, in file order */
export function readManifests(file: string, text: string): Manifest[] {
  const docs = parseAllDocuments(text, { uniqueKeys: true });
  const out: Manifest[] = [];
  const list = Array.isArray(docs) ? docs : [docs];
  list.forEach((doc, i) => {
    const document = i + 1;
    const err = doc.errors[0];
    if (err !== undefined) {
      const pos = err.linePos?.[0];
      throw new ManifestError(`${file}:${pos === undefined ? "" : `${pos.line}:${pos.col}:`} document ${document}: not valid YAML: ${(err.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")}`);
    }
    const body: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (body === null || body === undefined) return; // an empty document (a trailing ---)
    const named = (b: unknown, item: number | null): Manifest => {
      const stub: Manifest = { file, document, item, kind: "object", name: "", body: {} };
      if (!isObject(b)) throw new ManifestError(`${where(stub)}: expected a Kubernetes object (a mapping with kind, metadata, ...), got ${JSON.stringify(b)?.slice(0, 60)}`);
      const m: Manifest = { ...stub, body: b };
      const name = isObject(b.metadata) ? b.metadata.name : undefined;
      if (typeof name === "string") m.name = name;
      const kind = b.kind;
      if (typeof kind !== "string" || kind === "") fail(m, ["kind"], "expected the object's kind (Pod, Node, List, PriorityClass)");
      m.kind = kind;
      return m;
    };
    const top = named(body, null);
    if (top.kind.endsWith("List")) {
      const items = optArray(top, ["items"]) ?? [];
      items.forEach((it, j) => out.push(named(it, j)));
    } else {
      out.push(top);
    }
  });
  return out;
}

/**
 * The fields epcsim reads, per kind: `true` a known leaf (any value), "*" a mapping of any keys,
 * an object the known keys below, a one-element array the known fields of each item.
 */
export type FieldSpec = true | "*" | { [k: string]: FieldSpec } | [FieldSpec];

/** bookkeeping that every object carries and nothing in a simulation depends on: no warning */
const METADATA_QUIET = ["creationTimestamp", "resourceVersion", "generateName", "ownerReferences", "managedFields", "selfLink", "generation", "labels", "finalizers", "deletionGracePeriodSeconds"];

/** warns once per kind of field that `spec` does not know (spec.containers[].image), across all manifests */
export class UnknownFields {
  private readonly seen = new Set<string>();
  constructor(private readonly warn: (message: string) => void) {}

  check(m: Manifest, spec: { [k: string]: FieldSpec }): void {
    const metadata = spec.metadata;
    const full: { [k: string]: FieldSpec } = { apiVersion: true, kind: true, ...spec };
    if (isObject(metadata) || metadata === undefined) {
      const md: { [k: string]: FieldSpec } = { name: true, namespace: true, ...(isObject(metadata) ? (metadata as { [k: string]: FieldSpec }) : {}) };
      for (const q of METADATA_QUIET) md[q] = md[q] ?? true;
      full.metadata = md;
    }
    this.walk(m, m.body, full, "");
  }

  private walk(m: Manifest, v: unknown, spec: FieldSpec, path: string): void {
    if (spec === true || spec === "*") return;
    if (Array.isArray(spec)) {
      if (Array.isArray(v)) for (const x of v) this.walk(m, x, spec[0], `${path}[]`);
      return;
    }
    if (!isObject(v)) return;
    for (const [k, x] of Object.entries(v)) {
      const p = path === "" ? k : `${path}.${k}`;
      const s = spec[k];
      if (s === undefined) {
        const key = `${m.kind} ${p}`;
        if (this.seen.has(key)) continue;
        this.seen.add(key);
        this.warn(`${m.file}: ${m.kind} field ${p} is not simulated and is ignored (first in ${where(m).slice(m.file.length + 2)})`);
        continue;
      }
      this.walk(m, x, s, p);
    }
  }
}
