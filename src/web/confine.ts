// A scenario may name trace files (`access: { trace: { file } }`), which loading it reads. The
// dashboard reads nothing outside --dir, so before a scenario is loaded every trace file it names is
// resolved as the loader would (from the scenario's folder) and must lie under --dir, through any
// symbolic links; the first that does not is one line, FILE:LINE:COL, like the CLI's errors.
import { dirname, isAbsolute, resolve } from "node:path";
import { realpathSync } from "node:fs";
import { isMap, isScalar, LineCounter, parseDocument, visit } from "yaml";
import { isInside } from "./paths.js";

/**
 * the message for the first trace file `text` names outside `root`, or null when there is none (or
 * the text does not parse: then loading it reports that, reading nothing)
 */
export function traceOutsideRoot(text: string, source: string, scenarioPath: string, root: string): string | null {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return null;
  let found: string | null = null;
  visit(doc, {
    Pair(_key, pair) {
      if (found !== null) return visit.BREAK;
      if (!isScalar(pair.key) || pair.key.value !== "trace" || !isMap(pair.value)) return undefined;
      const file = pair.value.get("file", true);
      if (!isScalar(file) || typeof file.value !== "string") return undefined;
      const name = file.value;
      const full = isAbsolute(name) ? name : resolve(dirname(scenarioPath), name);
      let real = full;
      try {
        real = realpathSync(full);
      } catch {
        // a file that does not exist: the loader says so, if it is under root
      }
      if (isInside(root, full) && isInside(root, real)) return undefined;
      const pos = lines.linePos(file.range?.[0] ?? 0);
      found = `${source}:${pos.line}:${pos.col}: trace.file: expected a trace file under the dashboard's --dir, got ${JSON.stringify(name)} (the dashboard reads nothing outside it).`;
      return visit.BREAK;
    },
  });
  return found;
}

/**
 * the message for the first file a sweep grid names (`base`, `pods`, and `node` when it is a file
 * rather than a profile name) that lies outside `root`, or null: checked before the grid is loaded,
 * which reads them
 */
export function gridFileOutsideRoot(text: string, source: string, gridPath: string, root: string): string | null {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return null;
  for (const key of ["base", "pods", "node"]) {
    const name = doc.get(key);
    if (typeof name !== "string") continue;
    const full = isAbsolute(name) ? name : resolve(dirname(gridPath), name);
    let real = full;
    try {
      real = realpathSync(full);
    } catch {
      // not a file: a profile name for `node`, or a base the loader will say is missing
      if (key === "node") continue;
    }
    if (!isInside(root, full) || !isInside(root, real)) return `${source}: ${key}: ${name} is outside the dashboard's folder; expected a file under it (the dashboard reads nothing outside it).`;
  }
  return null;
}
