// Lowering a validated scenario to the engine's `Scenario`: the machine and its EPC sections, the
// cgroups and their time-zero writes, the processes (replicas expanded) and the scheduled events,
// with the checks across fields that the schema cannot express. What processes run: lower-program.ts.
import type { Trace } from "../trace/trace.js";
import { useTraces } from "./lower-trace.js";
import { closestMatch } from "leven";
import type { z } from "zod";
import { costProfileNames, costProfiles, profileName, profilePlatform, resolveCosts } from "../hw/costs.js";
import { eventSchemas, WRITABLE_CGROUP_FILES, topSchema } from "./schema.js";
import { normalizePath } from "../cgroup/misc.js";
import type { CgroupConfig, KernelGeneration, MachineConfig, ProcessConfig, Scenario, ScheduledEvent } from "./types.js";
import { quote } from "./quote.js";
import { parseSetArgument } from "./set-path.js";
import { ScenarioError, show, type Path } from "./errors.js";
import { applySets, isRecord } from "./parse.js";
import { PAGE, pagesOf, variantOf, type Loader } from "./loader.js";
import { lowerProgram } from "./lower-program.js";

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

export interface LoadOverrides {
  seed?: number;
  /**
   * `--set` overrides applied before validation: a field path (policy.oomVictim, processes[2].memory,
   * cgroups["/a"]["misc.max"]) to a value that parses as YAML
   */
  set?: Record<string, string>;
  /** called with each warning, one line (a scenario that loads but may not mean what it says) */
  onWarning?: (message: string) => void;
  /** traces already read, by traceKey() (the replay command reads its trace before it builds the scenario) */
  traces?: Map<string, Trace>;
  /** the folder the scenario's trace files resolve from (default: the scenario file's) */
  baseDir?: string;
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

export function lower(ld: Loader, overrides: LoadOverrides): Scenario {
  if (overrides.traces !== undefined || overrides.baseDir !== undefined) useTraces(ld, overrides.traces, overrides.baseDir);
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
