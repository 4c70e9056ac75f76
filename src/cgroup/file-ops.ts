// The scripted cgroup file-system operations of a scenario (write, read, mkdir, rmdir, move), each
// recorded with its result the way a shell script would see it.
import { ENOENT, ESRCH, errnoName } from "../lib/errno.js";
import { cgroupRead, cgroupWrite, type CgroupFs } from "./fs.js";
import { normalizePath, type Cgroup, type CgroupTree } from "./misc.js";

/** one scripted cgroup file-system operation and what came of it */
export interface FileOp {
  atNs: number;
  op: "write" | "read" | "mkdir" | "rmdir" | "move";
  path: string;
  value?: string;
  /** "ok" or an errno name */
  result: string;
  /** the text read */
  text?: string;
}

/** a scripted operation as the scenario gives it */
export type FileOpAction =
  | { type: "write"; path: string; value: string }
  | { type: "read"; path: string }
  | { type: "mkdir"; path: string }
  | { type: "rmdir"; path: string }
  /** every process named `process` (or replica of it) moves to `cgroup` */
  | { type: "move"; process: string; cgroup: string };

/** what the file operations need from the simulator */
export interface FileOpHost<P> {
  readonly fs: CgroupFs;
  now(): number;
  /** the started, not exited processes named `name`, or every such replica of the base name `name` */
  liveInstances(name: string): P[];
  /** the process leaves its cgroup for `cg` */
  moveProcess(p: P, cg: Cgroup): void;
  /** keep the operation's record */
  record(op: FileOp): void;
}

/** mkdir -p */
export function mkdirP(tree: CgroupTree, path: string): void {
  const parts = path.split("/").filter((x) => x !== "");
  for (let i = 1; i <= parts.length; i++) tree.mkdir(`/${parts.slice(0, i).join("/")}`);
}

/** a scripted cgroup file-system operation, recorded through host.record */
export function fileOp<P>(host: FileOpHost<P>, action: FileOpAction): void {
  const tree = host.fs.tree;
  const at = host.now();
  const result = (ret: number): string => (ret < 0 ? errnoName(ret) : "ok");
  switch (action.type) {
    case "write": {
      const ret = cgroupWrite(host.fs, action.path, action.value);
      host.record({ atNs: at, op: "write", path: action.path, value: action.value, result: result(ret) });
      return;
    }
    case "read": {
      const r = cgroupRead(host.fs, action.path);
      host.record(typeof r === "string" ? { atNs: at, op: "read", path: action.path, result: "ok", text: r } : { atNs: at, op: "read", path: action.path, result: errnoName(r) });
      return;
    }
    case "mkdir": {
      const r = tree.mkdir(action.path);
      host.record({ atNs: at, op: "mkdir", path: action.path, result: typeof r === "number" ? errnoName(r) : "ok" });
      return;
    }
    case "rmdir":
      host.record({ atNs: at, op: "rmdir", path: action.path, result: result(tree.rmdir(action.path)) });
      return;
    case "move": {
      const cg = tree.get(action.cgroup);
      let ret = cg === undefined ? -ENOENT : 0;
      const procs = host.liveInstances(action.process);
      if (procs.length === 0 && ret === 0) ret = -ESRCH;
      if (ret === 0 && cg !== undefined) for (const p of procs) host.moveProcess(p, cg);
      host.record({ atNs: at, op: "move", path: `${action.cgroup === "/" ? "" : normalizePath(action.cgroup)}/cgroup.procs`, value: action.process, result: result(ret) });
      return;
    }
  }
}
