// Reading a scenario's text into a YAML document that keeps every node's position (strict JSON is
// YAML too): unprintable characters, strict JSON, syntax errors, duplicate keys and alias bombs are
// each one line; and the `--set` overrides applied to the data read.
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLError } from "yaml";
import { quote } from "./quote.js";
import { formatFieldPath, parseSetArgument } from "./set-path.js";
import { lineCol, strictJsonProblem, unprintable, type TextProblem } from "./file-text.js";
import { ScenarioError, show, type Path } from "./errors.js";

/** at most this many alias expansions (the `yaml` library's guard against "billion laughs" input) */
const MAX_ALIASES = 1000;

function isJsonSource(source: string): boolean {
  return /\.json$/iu.test(source);
}

const formatPath = formatFieldPath;

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

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** what applySets() reports to: the file's name, and each override applied */
export interface SetTarget {
  readonly source: string;
  addSet(path: Path, arg: string): void;
}

/** applies the `--set` overrides to the parsed document, in the order given */
export function applySets(ld: SetTarget, data: unknown, sets: Record<string, string>): unknown {
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

/** a scenario file's text as a YAML document, and where in the text each of its nodes stands */
export class ScenarioDocument {
  protected readonly lines = new LineCounter();
  protected readonly doc: Document;

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

  /** the YAML node at `path` (or the deepest existing ancestor) and whether the whole path exists */
  protected lookup(path: Path): { node: unknown; complete: boolean } {
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
  protected position(path: Path, key?: string): { line: number; col: number } {
    const { node } = this.lookup(path);
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === key);
      if (pair !== undefined && isScalar(pair.key) && pair.key.range) return this.lines.linePos(pair.key.range[0]);
    }
    const range = (node as Node | null)?.range;
    return range ? this.lines.linePos(range[0]) : { line: 1, col: 1 };
  }
}
