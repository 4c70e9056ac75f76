// `epcsim replay TRACE`: a trace file as a scenario. One process and enclave per tenant (one in all
// without --tenant-column), each enclave large enough for its tenant's distinct pages (ELRANGE the
// next power of two), built with ADD_PAGES and EINIT, mapped, then driven by the trace on one
// thread, one access per request. The scenario goes through the loader like any other.
import { resolve } from "node:path";
import { stringify } from "yaml";
import { readTrace } from "../trace/read.js";
import type { Trace } from "../trace/trace.js";
import { traceKey } from "../scenario/lower-trace.js";
import { parseScenarioText } from "../scenario/load.js";
import type { Scenario } from "../scenario/types.js";
import { parseSize } from "../scenario/units.js";
import { costProfileNames, profileName } from "../hw/costs.js";

export interface ReplayOptions {
  format?: string;
  kernel?: string;
  profile?: string;
  epc?: string;
  cpus?: string;
  seed?: number;
  /** read the tenant column: each tenant is its own process and enclave */
  tenantColumn?: boolean;
  /** TENANT=PATH, repeatable; a bare PATH (no "=") puts every tenant there, e.g. the one unnamed tenant of a trace without --tenant-column */
  cgroup?: string[];
  /** PATH=SIZE, repeatable: misc.max of the cgroup (v17, v5) */
  limit?: string[];
  /** ignore (default) or trace: the gaps between timestamps become think time */
  timing?: string;
}

/** bad input to replay: one line */
export class ReplayUsageError extends Error {}

const PAGE = 4096;

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function pairs(list: string[] | undefined, flag: string, what: string): [string, string][] {
  return (list ?? []).map((arg) => {
    const eq = arg.indexOf("=");
    if (eq <= 0 || eq === arg.length - 1) throw new ReplayUsageError(`${flag} ${arg}: expected ${what}.`);
    return [arg.slice(0, eq), arg.slice(eq + 1)];
  });
}

/** the replay's scenario document (what `epcsim replay` would run, as a scenario file would say it) */
export function replayDocument(tracePath: string, trace: Trace, opts: ReplayOptions): Record<string, unknown> {
  const kernel = opts.kernel ?? "mainline";
  if (!["mainline", "v17", "v5"].includes(kernel)) throw new ReplayUsageError(`--kernel: expected mainline, v17 or v5, got "${kernel}".`);
  if (opts.timing !== undefined && opts.timing !== "ignore" && opts.timing !== "trace") throw new ReplayUsageError(`--timing: expected ignore or trace, got "${opts.timing}".`);
  if (opts.timing === "trace" && trace.timeNs === null)
    throw new ReplayUsageError(`--timing trace: ${tracePath} has no timestamps (expected an oracleGeneral trace, or a csv trace with a "time" column).`);
  const tenants = opts.tenantColumn === true ? trace.tenants : [""];
  if (opts.tenantColumn === true && trace.tenantOf === null) throw new ReplayUsageError(`--tenant-column: ${tracePath} has no tenant column (expected a csv trace with a "tenant" column).`);
  // (without --tenant-column the trace was read with its tenant column read past: one tenant, all requests)
  const cgroupOf = new Map<string, string>();
  // a bare PATH names no tenant: every tenant's process goes there, unless a TENANT=PATH names another for it
  const everyTenant = (opts.cgroup ?? []).filter((arg) => arg.startsWith("/") && !arg.includes("="));
  for (const path of everyTenant) for (const tenant of tenants) cgroupOf.set(tenant, path);
  const named = (opts.cgroup ?? []).filter((arg) => !everyTenant.includes(arg));
  for (const [tenant, path] of pairs(named, "--cgroup", "TENANT=PATH, e.g. a=/tenants/a, or a PATH for every tenant")) {
    if (!tenants.includes(tenant)) throw new ReplayUsageError(`--cgroup ${tenant}=${path}: expected a tenant of the trace (${tenants.map((t) => JSON.stringify(t)).join(", ")}).`);
    if (!path.startsWith("/")) throw new ReplayUsageError(`--cgroup ${tenant}=${path}: expected a cgroup path starting with "/".`);
    cgroupOf.set(tenant, path);
  }
  const cgroups: Record<string, Record<string, string>> = {};
  for (const path of cgroupOf.values()) cgroups[path] = {};
  if ((opts.limit ?? []).length > 0 && kernel === "mainline") {
    throw new ReplayUsageError(`--limit ${(opts.limit ?? [])[0] ?? ""}: mainline has no sgx_epc misc resource, so an EPC limit would be ignored; expected --kernel v17 or v5.`);
  }
  for (const [path, size] of pairs(opts.limit, "--limit", "PATH=SIZE, e.g. /tenants/a=64MiB")) {
    const bytes = parseSize(size);
    if (typeof bytes === "string") throw new ReplayUsageError(`--limit ${path}=${size}: ${bytes}`);
    if (!path.startsWith("/")) throw new ReplayUsageError(`--limit ${path}=${size}: expected a cgroup path starting with "/".`);
    cgroups[path] = { ...cgroups[path], "misc.max": `sgx_epc ${bytes}` };
  }
  // the flags are checked here, so that a problem names the flag and not a line of the generated scenario
  const profile = profileName(opts.profile ?? "client-128m");
  if (profile === undefined) throw new ReplayUsageError(`--profile: expected one of ${costProfileNames.join(", ")}, got "${opts.profile ?? ""}".`);
  const cpus = opts.cpus === undefined ? 2 : Number(opts.cpus);
  if (!Number.isInteger(cpus) || cpus < 1 || cpus > 1024) throw new ReplayUsageError(`--cpus: expected a whole number from 1 to 1024, got "${opts.cpus ?? ""}".`);
  // (the scenario keeps the spelling given on the command line)
  const machine: Record<string, unknown> = { profile: opts.profile ?? profile, cpus };
  if (opts.epc !== undefined) {
    const epc = parseSize(opts.epc);
    if (typeof epc === "string") throw new ReplayUsageError(`--epc ${opts.epc}: ${epc}`);
    if (epc <= 0 || epc % PAGE !== 0) throw new ReplayUsageError(`--epc ${opts.epc}: expected a positive multiple of 4096 bytes (${Math.floor(epc / PAGE) * PAGE} is the nearest below).`);
    machine.epc = opts.epc;
  }
  const processes = tenants.map((tenant, t) => {
    const distinct = trace.distinctPages[t] ?? 0;
    // the trace's pages, then one TCS at the top of the added region
    const added = (distinct + 1) * PAGE;
    const traceRef: Record<string, unknown> = { file: tracePath };
    if (opts.format !== undefined) traceRef.format = opts.format;
    if (opts.tenantColumn === true) traceRef.tenant = tenant;
    if (opts.timing === "trace") traceRef.timing = "trace";
    return {
      name: opts.tenantColumn === true ? tenant : "replay",
      ...(cgroupOf.has(tenant) ? { cgroup: cgroupOf.get(tenant) } : {}),
      program: {
        enclave: { size: nextPow2(Math.max(added, 2 * PAGE)), add: added, measure: false, tcs: 1 },
        access: { trace: traceRef },
      },
    };
  });
  return {
    kernel,
    seed: opts.seed ?? 1,
    machine,
    ...(Object.keys(cgroups).length > 0 ? { cgroups } : {}),
    processes,
  };
}

/** reads the trace (bad files throw TraceError) and builds the scenario that replays it */
export function replayScenario(file: string, opts: ReplayOptions, onWarning?: (m: string) => void): { scenario: Scenario; text: string } {
  // the trace is named as on the command line, resolved from the working directory
  const full = resolve(file);
  // without --tenant-column the whole trace is one enclave's: its tenant column is read past
  const ignoreTenants = opts.tenantColumn !== true;
  // timestamps are read only for --timing trace (the scenario's trace phase then has timing: trace)
  const ignoreTimes = opts.timing !== "trace";
  const trace = readTrace(full, { ...(opts.format === undefined ? {} : { format: opts.format }), ignoreTenants, ignoreTimes });
  const doc = replayDocument(file, trace, opts);
  const text = `# epcsim replay ${file}\n${stringify(doc)}`;
  const traces = new Map([[traceKey(full, opts.format, ignoreTenants, ignoreTimes), trace]]);
  const scenario = parseScenarioText(text, `replay ${file}`, { traces, baseDir: process.cwd(), ...(onWarning === undefined ? {} : { onWarning }) });
  return { scenario, text };
}
