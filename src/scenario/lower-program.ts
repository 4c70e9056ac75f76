// Lowering what a process runs to the engine's steps: the compact `enclave:` form, `vm:`, the
// preset, explicit `steps:`, and the access phases and patterns a `run` step or `access:` holds.
// Each is checked here for what the schema cannot express (page multiples, TCS room, SECINFO flags).
import {
  enclaveProgramSchema,
  phaseSchemas,
  phasesSchema,
  presetProgramSchema,
  programSchemas,
  stepSchemas,
  stepsProgramSchema,
  vmProgramSchema,
} from "./schema.js";
import type { AccessPhase, EacceptSecinfo, Phase, Step } from "./types.js";
import { parseSize } from "./units.js";
import { presetTestSgxOversubscribed } from "./presets.js";
import { isRecord } from "./parse.js";
import type { Path } from "./errors.js";
import { PAGE, pagesOf, variantOf, type Loader } from "./loader.js";
import { lowerTracePhase } from "./lower-trace.js";

function lowerPattern(ld: Loader, raw: unknown, path: Path): AccessPhase {
  const a = ld.check(phaseSchemas.pattern, raw, path);
  if (a.skew !== undefined && a.pattern !== "zipf") ld.fail(path, "skew only applies to pattern: zipf", "skew");
  if (a.hot !== undefined && a.pattern !== "hotcold") ld.fail(path, "hot only applies to pattern: hotcold", "hot");
  const pages = pagesOf(ld, a.pages, [...path, "pages"], "a working set");
  if (pages === 0) ld.fail([...path, "pages"], "expected a working set of at least one page");
  const offset = a.offset ?? 0;
  pagesOf(ld, offset, [...path, "offset"], "an offset");
  const pattern: AccessPhase["pattern"] =
    a.pattern === "zipf"
      ? { kind: "zipf", skew: a.skew ?? 0.99 }
      : a.pattern === "hotcold"
        ? { kind: "hotcold", hotFraction: a.hot?.fraction ?? 0.1, hotProbability: a.hot?.probability ?? 0.9 }
        : { kind: a.pattern };
  return { type: "access", pattern, offset, pages, count: a.count, writeRatio: a.writeRatio ?? 0, thinkNs: a.think ?? 0 };
}

function lowerAccess(ld: Loader, raw: unknown, path: Path): Phase[] {
  if (isRecord(raw) && "phases" in raw) {
    const { phases } = ld.check(phasesSchema, raw, path);
    return phases.map((ph, i) => {
      const p = [...path, "phases", i];
      const kind = variantOf(ld, ph, p, ["pattern", "trace", "idle", "grow", "shrink"] as const, "a phase");
      if (kind === "pattern") return lowerPattern(ld, ph, p);
      if (kind === "trace") return lowerTracePhase(ld, ph, p);
      if (kind === "idle") return { type: "idle", durationNs: ld.check(phaseSchemas.idle, ph, p).idle };
      if (kind === "grow") {
        const bytes = ld.check(phaseSchemas.grow, ph, p).grow;
        pagesOf(ld, bytes, [...p, "grow"], "a size");
        return { type: "grow", bytes };
      }
      const bytes = ld.check(phaseSchemas.shrink, ph, p).shrink;
      pagesOf(ld, bytes, [...p, "shrink"], "a size");
      return { type: "shrink", bytes };
    });
  }
  if (isRecord(raw) && "trace" in raw) return [lowerTracePhase(ld, raw, path)];
  return [lowerPattern(ld, raw, path)];
}

function perm(s: string | undefined, fallback: number): number {
  if (s === undefined) return fallback;
  return (s.includes("r") ? 1 : 0) | (s.includes("w") ? 2 : 0) | (s.includes("x") ? 4 : 0);
}

const SECINFO_TYPES: Record<string, EacceptSecinfo["type"]> = { REG: "REG", TCS: "TCS", TRIM: "TRIM" };

/** "R|W|REG|PENDING" (the selftest's SGX_SECINFO_* flags) as a SECINFO */
function secinfoFlags(ld: Loader, text: string, path: Path): EacceptSecinfo {
  const out: EacceptSecinfo = { type: "REG", perm: 0, pending: false, modified: false, pr: false };
  let types = 0;
  for (const word of text.split(/[\s|]+/).filter((w) => w !== "")) {
    const w = word.toUpperCase();
    if (w === "R" || w === "W" || w === "X") out.perm |= w === "R" ? 1 : w === "W" ? 2 : 4;
    else if (w === "PENDING") out.pending = true;
    else if (w === "MODIFIED") out.modified = true;
    else if (w === "PR") out.pr = true;
    else if (SECINFO_TYPES[w] !== undefined) {
      out.type = SECINFO_TYPES[w];
      types++;
    } else ld.fail(path, `expected SECINFO flags among R, W, X, REG, TCS, TRIM, PENDING, MODIFIED, PR, got ${JSON.stringify(word)}`);
  }
  if (types !== 1) ld.fail(path, `expected exactly one page type (REG, TCS or TRIM) in ${JSON.stringify(text)}`);
  return out;
}

function touchBytes(ld: Loader, v: unknown, epc: number, path: Path): number {
  if (v === undefined || v === "all") return epc;
  const r = parseSize(v);
  if (typeof r === "string") ld.fail(path, `${r} or "all"`);
  if (r > epc) ld.fail(path, `expected at most the guest's EPC (${epc} bytes), got ${r}`);
  return r;
}

function lowerSteps(ld: Loader, items: unknown[], path: Path): Step[] {
  const names = Object.keys(stepSchemas) as (keyof typeof stepSchemas)[];
  const steps: Step[] = items.map((item, i): Step => {
    const p = [...path, i];
    const op = variantOf(ld, item, p, names, "a step");
    if (Object.keys(item as object).length !== 1) ld.fail(p, `expected a step with the single key ${op}`);
    const body = (item as Record<string, unknown>)[op];
    const bp = [...p, op];
    switch (op) {
      case "create": {
        const s = ld.check(stepSchemas.create, body, bp);
        return { op: "create", size: s.size, debug: s.debug ?? false, ...(s.provisionKey ? { provisionKey: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "provision": {
        const s = ld.check(stepSchemas.provision, body, bp);
        return { op: "provision", validFd: s?.fd !== "other", ...(s?.expect ? { expect: s.expect } : {}) };
      }
      case "addPages": {
        const s = ld.check(stepSchemas.addPages, body, bp);
        const chunk = s.chunk ?? Math.max(s.length, PAGE);
        if (chunk === 0 || chunk % PAGE !== 0) ld.fail([...bp, "chunk"], `expected a positive multiple of 4096 bytes, got ${chunk}`);
        const type = s.type === "tcs" ? "TCS" : "REG";
        return { op: "addPages", offset: s.offset, length: s.length, type, perm: perm(s.perm, type === "TCS" ? 0 : 3), measure: s.measure ?? true, chunk, ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "init": {
        const s = ld.check(stepSchemas.init, body, bp);
        return s?.expect ? { op, expect: s.expect } : { op };
      }
      case "mmap": {
        const s = ld.check(stepSchemas.mmap, body, bp);
        return {
          op,
          ...(s?.prot !== undefined ? { prot: perm(s.prot, 0) } : {}),
          ...(s?.private ? { private: true } : {}),
          ...(s?.expect ? { expect: s.expect } : {}),
        };
      }
      case "run": {
        const s = ld.check(stepSchemas.run, body, bp);
        return { op: "run", threads: s.threads ?? 1, phases: lowerAccess(ld, s.access, [...bp, "access"]) };
      }
      case "ecall": {
        const s = ld.check(stepSchemas.ecall, body, bp);
        const offsets = (v: unknown, key: string): number[] =>
          (Array.isArray(v) ? v : [v]).map((t, j) => {
            const r = parseSize(t);
            if (typeof r === "string") ld.fail(Array.isArray(v) ? [...bp, key, j] : [...bp, key], r);
            return r;
          });
        const checked = s.read !== undefined || s.write !== undefined || s.tcs !== undefined || s.resume !== undefined || s.vdso !== undefined || s.exception !== undefined;
        if (s.touch !== undefined && checked) ld.fail(bp, "expected either touch (unchecked accesses) or read/write/tcs/resume/vdso/exception, not both");
        if (s.read !== undefined && s.write !== undefined) ld.fail(bp, "expected read or write, not both: one ECALL does one kind of access (use two ecall steps)");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return {
          op: "ecall",
          touches: s.touch === undefined ? [] : offsets(s.touch, "touch"),
          ...(s.read !== undefined ? { reads: offsets(s.read, "read") } : {}),
          ...(s.write !== undefined ? { writes: offsets(s.write, "write") } : {}),
          ...(s.tcs !== undefined ? { tcs: s.tcs } : {}),
          ...(s.resume ? { resume: true } : {}),
          ...(s.vdso || s.exception !== undefined ? { vdso: true } : {}),
          ...(s.exception !== undefined ? { exception: s.exception } : {}),
        };
      }
      case "modifyTypes": {
        const s = ld.check(stepSchemas.modifyTypes, body, bp);
        return { op: "modifyTypes", offset: s.offset, length: s.length, pageType: s.type === "tcs" ? "TCS" : "TRIM", ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "restrictPermissions": {
        const s = ld.check(stepSchemas.restrictPermissions, body, bp);
        return { op: "restrictPermissions", offset: s.offset, length: s.length, perm: perm(s.perm, 0), ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "eaccept": {
        const s = ld.check(stepSchemas.eaccept, body, bp);
        pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        pagesOf(ld, s.length, [...bp, "length"], "a length");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return {
          op: "eaccept",
          offset: s.offset,
          length: s.length,
          ...(s.tcs !== undefined ? { tcs: s.tcs } : {}),
          ...(s.secinfo !== undefined ? { secinfo: secinfoFlags(ld, s.secinfo, [...bp, "secinfo"]) } : {}),
        };
      }
      case "emodpe": {
        const s = ld.check(stepSchemas.emodpe, body, bp);
        pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        pagesOf(ld, s.length, [...bp, "length"], "a length");
        if (s.tcs !== undefined) pagesOf(ld, s.tcs, [...bp, "tcs"], "a TCS offset");
        return { op: "emodpe", offset: s.offset, length: s.length, perm: perm(s.perm, 0), ...(s.tcs !== undefined ? { tcs: s.tcs } : {}) };
      }
      case "removePages": {
        const s = ld.check(stepSchemas.removePages, body, bp);
        return { op: "removePages", offset: s.offset, length: s.length, ...(s.retry ? { retry: true } : {}), ...(s.expect ? { expect: s.expect } : {}) };
      }
      case "fork":
        return { op: "fork", holdNs: ld.check(stepSchemas.fork, body, bp).hold };
      case "idle":
        return { op: "idle", durationNs: ld.check(stepSchemas.idle, body, bp) };
      case "close":
        ld.check(stepSchemas.close, body, bp);
        return { op: "close" };
      case "vepc": {
        const s = ld.check(stepSchemas.vepc, body, bp);
        pagesOf(ld, s.epc, [...bp, "epc"], "a guest EPC size");
        return { op: "vepc", bytes: s.epc, touch: touchBytes(ld, s.touch, s.epc, [...bp, "touch"]) };
      }
      case "hold":
        return { op: "hold", durationNs: ld.check(stepSchemas.hold, body, bp) };
      case "vepcRemoveAll": {
        const s = ld.check(stepSchemas.vepcRemoveAll, body, bp);
        return { op: "vepcRemoveAll", arg: s?.arg ?? 0, ...(s?.expect ? { expect: s.expect } : {}) };
      }
      case "mprotect": {
        const s = ld.check(stepSchemas.mprotect, body, bp);
        if (s.offset !== undefined) pagesOf(ld, s.offset, [...bp, "offset"], "an offset");
        if (s.length !== undefined) pagesOf(ld, s.length, [...bp, "length"], "a length");
        return {
          op: "mprotect",
          prot: perm(s.prot, 0),
          ...(s.offset !== undefined ? { offset: s.offset } : {}),
          ...(s.length !== undefined ? { length: s.length } : {}),
          ...(s.expect ? { expect: s.expect } : {}),
        };
      }
      case "exit":
        return { op: "exit", code: ld.check(stepSchemas.exit, body, bp) };
    }
  });
  if (steps.at(-1)?.op !== "exit") steps.push({ op: "exit", code: 0 });
  return steps;
}

export function lowerProgram(ld: Loader, raw: unknown, path: Path, totalEpc: number): Step[] {
  const kind = variantOf(ld, raw, path, Object.keys(programSchemas) as (keyof typeof programSchemas)[], "a program");
  if (kind === "preset") {
    ld.check(presetProgramSchema, raw, path);
    return presetTestSgxOversubscribed(totalEpc);
  }
  if (kind === "vm") {
    const { vm } = ld.check(vmProgramSchema, raw, path);
    pagesOf(ld, vm.epc, [...path, "vm", "epc"], "a guest EPC size");
    const touch = touchBytes(ld, vm.touch, vm.epc, [...path, "vm", "touch"]);
    return [{ op: "vepc", bytes: vm.epc, touch }, { op: "hold", durationNs: vm.hold ?? null }, { op: "exit", code: 0 }];
  }
  if (kind === "steps") {
    const { steps } = ld.check(stepsProgramSchema, raw, path);
    return lowerSteps(ld, steps, [...path, "steps"]);
  }
  const p = ld.check(enclaveProgramSchema, raw, path);
  const e = p.enclave;
  const ep = [...path, "enclave"];
  pagesOf(ld, e.size, [...ep, "size"], "an enclave size");
  const add = e.add ?? e.size;
  const addPages = pagesOf(ld, add, [...ep, "add"], "an added size");
  const tcs = e.tcs ?? 1;
  if (addPages < tcs) ld.fail([...ep, "add"], `expected room for the ${tcs} TCS page(s), got ${addPages} page(s)`);
  const threads = p.threads ?? 1;
  if (threads > tcs) ld.fail([...path, "threads"], `expected at most tcs (${tcs}) threads, got ${threads}`);
  const chunk = e.addChunk ?? add;
  if (chunk === 0 || chunk % PAGE !== 0) ld.fail([...ep, "addChunk"], `expected a positive multiple of 4096 bytes, got ${chunk}`);
  const measure = e.measure ?? true;
  const regBytes = (addPages - tcs) * PAGE;
  const steps: Step[] = [{ op: "create", size: e.size, debug: e.debug ?? false }];
  if (regBytes > 0) steps.push({ op: "addPages", offset: 0, length: regBytes, type: "REG", perm: 7, measure, chunk });
  steps.push({ op: "addPages", offset: regBytes, length: tcs * PAGE, type: "TCS", perm: 0, measure, chunk });
  steps.push({ op: "init" }, { op: "mmap" });
  if (p.access !== undefined) steps.push({ op: "run", threads, phases: lowerAccess(ld, p.access, [...path, "access"]) });
  steps.push({ op: "exit", code: 0 });
  return steps;
}
