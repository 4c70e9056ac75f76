// The cgroup v2 file system as scripts see it: paths like /a/b/misc.max, reads and writes with the
// kernel's texts and errno, mkdir and rmdir. Moving a process is the caller's business (a pid
// written to cgroup.procs), through `movePid`.
import { EACCES, EINVAL, ENOENT } from "../lib/errno.js";
import { normalizePath, type Cgroup, type CgroupTree } from "./misc.js";
import { memoryFile, memoryMaxWrite } from "./memory.js";

/** the files our cgroups have, in the order the result lists them */
export const CGROUP_FILES = [
  "cgroup.procs",
  "cgroup.subtree_control",
  "misc.capacity",
  "misc.current",
  "misc.peak",
  "misc.max",
  "misc.events",
  "misc.events.local",
  "memory.current",
  "memory.max",
  "memory.events",
] as const;

/** splits "/a/b/misc.max" into the cgroup path "/a/b" and the file name "misc.max" */
export function splitFilePath(path: string): { cgroup: string; file: string } {
  const p = normalizePath(path);
  const slash = p.lastIndexOf("/");
  return { cgroup: slash <= 0 ? "/" : p.slice(0, slash), file: p.slice(slash + 1) };
}

export interface CgroupFs {
  readonly tree: CgroupTree;
  /** move the process `pid` into `cg`: 0, or -ESRCH for no such process */
  movePid(pid: number, cg: Cgroup): number;
  /**
   * memory.max was written below memory.current and nothing is reclaimable: OOM-kill one more
   * process in subtree(cg); the bytes its death will uncharge, or -1 when there is no one to kill
   */
  memcgOomForLimit?(cg: Cgroup): number;
}

const CONTROLLERS = ["misc", "memory"];

/** the enabled controllers of cgroup.subtree_control, per cgroup */
const subtreeControl = new WeakMap<Cgroup, Set<string>>();

function fileExists(fs: CgroupFs, cg: Cgroup, file: string): boolean {
  if (file.startsWith("memory.")) return !cg.isRoot && memoryFile(cg, file) !== null;
  return file === "cgroup.subtree_control" || fs.tree.hasFile(cg, file);
}

/** read(2) of a cgroup file: its text or -errno */
export function cgroupRead(fs: CgroupFs, path: string): string | number {
  const { cgroup, file } = splitFilePath(path);
  const cg = fs.tree.get(cgroup);
  if (cg === undefined || !fileExists(fs, cg, file)) return -ENOENT;
  if (file.startsWith("memory.")) return memoryFile(cg, file) as string;
  if (file === "cgroup.subtree_control") {
    const on = subtreeControl.get(cg);
    const names = CONTROLLERS.filter((c) => on?.has(c));
    return names.length === 0 ? "" : `${names.join(" ")}\n`;
  }
  return fs.tree.readFile(cg, file);
}

/** write(2) of `value` to a cgroup file: 0 or -errno */
export function cgroupWrite(fs: CgroupFs, path: string, value: string): number {
  const { cgroup, file } = splitFilePath(path);
  const cg = fs.tree.get(cgroup);
  if (cg === undefined || !fileExists(fs, cg, file)) return -ENOENT;
  switch (file) {
    case "misc.max":
      return fs.tree.writeMax(cg, value);
    case "memory.max":
      return memoryMaxWrite(cg, value, fs.memcgOomForLimit === undefined ? undefined : (c) => (fs.memcgOomForLimit as (c: Cgroup) => number)(c));
    case "cgroup.procs": {
      const pid = Number(value.trim());
      if (!Number.isSafeInteger(pid) || pid < 0 || value.trim() === "") return -EINVAL;
      return fs.movePid(pid, cg);
    }
    case "cgroup.subtree_control": {
      // "+misc -memory": enable or disable controllers for the children
      const on = subtreeControl.get(cg) ?? new Set<string>();
      for (const tok of value.trim().split(/\s+/).filter((t) => t !== "")) {
        const name = tok.slice(1);
        if ((tok[0] !== "+" && tok[0] !== "-") || !CONTROLLERS.includes(name)) return -EINVAL;
        if (tok[0] === "+") on.add(name);
        else on.delete(name);
      }
      subtreeControl.set(cg, on);
      return 0;
    }
    default:
      // misc.capacity, misc.current, misc.peak, misc.events*: read-only
      return -EACCES;
  }
}

