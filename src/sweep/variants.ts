// The variants of a grid: the product of its axes, first axis outermost. Each variant is a whole
// scenario text (the base with the axes' fields set), so that a worker anywhere needs nothing else,
// and its id is a hash of that text: the same variant has the same id in every grid and on every run.
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { applySets } from "../scenario/parse.js";
import { parseScenarioText, ScenarioError } from "../scenario/load.js";
import { GridError } from "./errors.js";
import { settledNodeScenario } from "../k8s/node-scenario.js";
import { ManifestError } from "../k8s/manifest.js";
import type { Grid } from "./grid.js";

export interface Variant {
  /** its place in the grid's order, from 0 */
  index: number;
  /** sha256 of `text`, the first 16 hex digits */
  id: string;
  /** the value of each axis column (field path, or "seed"), as the results show it, in axis order */
  axes: Record<string, string>;
  /** the field overrides: path to YAML text */
  sets: Record<string, string>;
  /** the seed a seeds axis gives it, or null (the base's) */
  seed: number | null;
  /** the whole scenario, YAML */
  text: string;
  /** the name its results give the scenario (the base as the grid writes it) */
  source: string;
  /** the folder its trace files resolve from (the base's; not part of the id) */
  baseDir: string;
}

export const variantId = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

/** the scenario text of the base with `sets` applied and the seed replaced */
export function variantText(baseText: string, source: string, sets: Record<string, string>, seed: number | null): string {
  const data: unknown = parseYaml(baseText, { maxAliasCount: 100 }) ?? {};
  const doc = applySets({ source, addSet: () => undefined }, data, sets) as Record<string, unknown>;
  if (seed !== null) doc.seed = seed;
  return stringify(doc, { lineWidth: 0 });
}

/**
 * a node grid's variant: the scenario epcsim node runs for the pods on the node (restarts settled),
 * its kernel and seed from the axes, the other fields set on it
 */
function nodeVariantText(node: { node: string; pods: string }, sets: Record<string, string>, seed: number | null): string {
  const { kernel, ...rest } = sets;
  const generation = kernel === undefined ? undefined : String(parseYaml(kernel));
  const settled = settledNodeScenario({ node: node.node, pods: node.pods, ...(generation === undefined ? {} : { kernel: generation }), ...(seed === null ? {} : { seed }) }, rest);
  // the fields set into the text itself, so that a worker anywhere runs the variant from it alone
  return variantText(settled.text, node.pods, rest, null);
}

/** the column names of the axes, in order (a zip gives one per field) */
export function axisColumns(grid: Grid): string[] {
  return grid.axes.flatMap((a) => (a.kind === "seeds" ? ["seed"] : a.fields.map((f) => f.path)));
}

/**
 * Every variant of the grid, each checked as a scenario (a value the scenario refuses is a grid
 * problem naming the file, the variant and the field), in order.
 */
export function expandGrid(grid: Grid, options: { validate?: boolean } = {}): Variant[] {
  type Combo = { axes: Record<string, string>; sets: Record<string, string>; seed: number | null };
  let combos: Combo[] = [{ axes: {}, sets: {}, seed: null }];
  for (const a of grid.axes) {
    if (a.kind === "seeds") combos = combos.flatMap((c) => a.seeds.map((s) => ({ ...c, axes: { ...c.axes, seed: String(s) }, seed: s })));
    else {
      const n = a.fields[0]?.values.length ?? 0;
      combos = combos.flatMap((c) =>
        Array.from({ length: n }, (_, i) => {
          const axes = { ...c.axes };
          const sets = { ...c.sets };
          for (const f of a.fields) {
            axes[f.path] = f.labels[i] as string;
            sets[f.path] = f.values[i] as string;
          }
          return { ...c, axes, sets };
        }),
      );
    }
  }
  const seen = new Map<string, number>();
  const baseDir = dirname(grid.basePath);
  return combos.map((c, index) => {
    const where = (): string => Object.entries(c.axes).map(([k, v]) => `${k}=${v}`).join(" ") || "the base";
    let text: string;
    try {
      if (grid.node !== null) text = nodeVariantText(grid.node, c.sets, c.seed);
      else {
        if (options.validate !== false) parseScenarioText(grid.baseText, grid.base, { set: c.sets, baseDir, ...(c.seed === null ? {} : { seed: c.seed }) });
        text = variantText(grid.baseText, grid.base, c.sets, c.seed);
      }
    } catch (e) {
      if (!(e instanceof ScenarioError) && !(e instanceof ManifestError)) throw e;
      throw new GridError(`${grid.file}: variant ${index} (${where()}): ${e.message}`);
    }
    const id = variantId(text);
    const twin = seen.get(id);
    if (twin !== undefined) throw new GridError(`${grid.file}: axes: variants ${twin} and ${index} (${where()}) are the same scenario; expected every variant to differ.`);
    seen.set(id, index);
    return { index, id, axes: c.axes, sets: c.sets, seed: c.seed, text, source: grid.base, baseDir };
  });
}

/** shard `i` of `n`: every n-th variant from the i-th, a pure function of the grid */
export const inShard = (v: Variant, shard: { index: number; count: number } | null): boolean => shard === null || v.index % shard.count === shard.index;
