// Every path the dashboard reads, lists or writes stays inside --dir: a request names a file by a
// path relative to it, and anything that would leave it (`..`, an absolute path, a NUL, a symbolic
// link whose target lies outside) resolves to nothing, which the routes answer with 404.
import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";

/** the real path of --dir (symbolic links in it resolved once, so that prefixes compare) */
export function realRoot(dir: string): string {
  return realpathSync(resolve(dir));
}

/** `real` is `root` or under it */
export function isInside(root: string, real: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * the real path of `rel` under `root`, or null when it is not a plain relative path, does not exist,
 * or resolves (through a symbolic link anywhere on the way) outside `root`
 */
export function resolveInside(root: string, rel: string): string | null {
  if (rel.includes("\0") || isAbsolute(rel) || /^[A-Za-z]:/.test(rel) || rel.startsWith("\\")) return null;
  const parts = rel.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.some((p) => p === "..")) return null;
  const joined = resolve(root, ...parts);
  if (!isInside(root, joined)) return null;
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    return null;
  }
  return isInside(root, real) ? real : null;
}

/** a regular file under `root` (see resolveInside), with its stats, or null */
export function fileInside(root: string, rel: string): { path: string; stats: Stats } | null {
  const path = resolveInside(root, rel);
  if (path === null) return null;
  const stats = statSync(path);
  return stats.isFile() ? { path, stats } : null;
}

/** `path` (under root) relative to root, with forward slashes */
export function relativeTo(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

/** folders the listings never enter: dependencies, version control, hidden folders */
const SKIPPED = new Set(["node_modules", ".git"]);

export interface WalkEntry {
  /** relative to the root, forward slashes */
  rel: string;
  path: string;
  isDirectory: boolean;
}

/**
 * the entries under `root`, breadth first, at most `maxDepth` folders deep and `maxEntries` in all;
 * hidden entries and skipped folders left out; a symbolic link is followed only when its target is
 * under root (a folder reached through one is not entered, so that no cycle is walked)
 */
export function walk(root: string, maxDepth: number, maxEntries: number): WalkEntry[] {
  const out: WalkEntry[] = [];
  let level: string[] = [root];
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      let names: string[];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        if (name.startsWith(".") || SKIPPED.has(name)) continue;
        const path = join(dir, name);
        let st: Stats;
        try {
          const l = lstatSync(path);
          if (l.isSymbolicLink()) {
            if (!isInside(root, realpathSync(path))) continue;
            st = statSync(path);
            if (st.isDirectory()) continue;
          } else st = l;
        } catch {
          continue;
        }
        out.push({ rel: relativeTo(root, path), path, isDirectory: st.isDirectory() });
        if (out.length >= maxEntries) return out;
        if (st.isDirectory()) next.push(path);
      }
    }
    level = next;
  }
  return out;
}
