// The scenario file format as zod schemas. Objects are strict, so a misspelt key is an error.
// Sizes and times are validated by units.ts and arrive here already converted (bytes, integer ns).
// Programs, steps and events are unions the loader dispatches by key, for precise error messages;
// `documentSchema` puts them together for the published JSON Schema.
import { z } from "zod";
import { parseSize, parseTime } from "./units.js";
import { SIGNALS } from "../lib/errno.js";

export const ERRNO_NAMES = [
  "EPERM",
  "ENOENT",
  "EINTR",
  "EIO",
  "ENXIO",
  "E2BIG",
  "EBADF",
  "EAGAIN",
  "ENOMEM",
  "EACCES",
  "EFAULT",
  "EBUSY",
  "EEXIST",
  "ENODEV",
  "EINVAL",
  "ENOSPC",
  "ERANGE",
  "ENOTTY",
  "ERESTARTSYS",
] as const;

export const SIGNAL_NAMES = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM", "SIGBUS", "SIGSEGV"] as const;
const SIGNAL_NUMBERS: Record<string, number> = SIGNALS;

const sizeInput = z.union([z.number(), z.string()]);

function converted(parse: (v: unknown) => number | string, description: string) {
  // any input reaches `parse`, so every wrong value gets its explanation; the schema says string|integer
  return z
    .unknown()
    .transform((v, ctx) => {
      const r = parse(v);
      if (typeof r === "string") {
        ctx.addIssue({ code: "custom", message: r });
        return z.NEVER;
      }
      return r;
    })
    .meta({ anyOf: [{ type: "integer" }, { type: "string" }] })
    .describe(description);
}

export const size = (description: string) => converted(parseSize, `${description} (bytes, or a string with a unit: 4096, "64KiB", "128MiB", "1GiB")`);
export const time = (description: string) => converted(parseTime, `${description} (a string with a unit: "200ns", "10us", "5ms", "2s")`);

const unit01 = z.number().min(0).max(1);

export const patternFields = {
  pattern: z
    .enum(["sequential", "uniform", "zipf", "hotcold", "hot-cold", "hot/cold"])
    .transform((p) => (p === "hot-cold" || p === "hot/cold" ? "hotcold" : p))
    .describe("how pages are picked: in order, uniformly, Zipf-distributed (page 0 most popular), or hot/cold (also spelt hot-cold)"),
  pages: size("working-set size; pages [offset, offset + pages) of the enclave are accessed"),
  offset: size("first byte of the working set within the enclave").optional(),
  count: z.number().int().min(0).describe("accesses per thread"),
  writeRatio: unit01.optional().describe("fraction of accesses that are writes (default 0)"),
  think: time("compute time between two accesses (default 0)").optional(),
  skew: z.number().gt(0).optional().describe("zipf exponent s (default 0.99)"),
  hot: z
    .strictObject({
      fraction: unit01.optional().describe("fraction of the working set that is hot (default 0.1)"),
      probability: unit01.optional().describe("fraction of accesses that go to hot pages (default 0.9)"),
    })
    .optional()
    .describe("hotcold parameters"),
};

export const accessPatternSchema = z.strictObject(patternFields).describe("an access phase run by every thread");
export const idlePhaseSchema = z.strictObject({ idle: time("pause length") }).describe("every thread leaves the enclave and sleeps");
export const growPhaseSchema = z
  .strictObject({ grow: size("bytes of new pages to touch above the heap top (SGX2: EAUG on fault, then EACCEPT)") })
  .describe("SGX2: the enclave grows");
export const shrinkPhaseSchema = z
  .strictObject({ shrink: size("bytes to trim from the heap top (SGX2: MODIFY_TYPES to TRIM, EACCEPT, REMOVE_PAGES)") })
  .describe("SGX2: the enclave shrinks");

export const tracePhaseSchema = z
  .strictObject({
    trace: z
      .strictObject({
        file: z.string().min(1).describe("the trace file, relative to the scenario file (oracleGeneral, csv or txt, optionally .zst)"),
        format: z.enum(["oracleGeneral", "csv", "txt"]).optional().describe("the trace format (default: from the file name)"),
        tenant: z.string().optional().describe("the tenant whose requests this process replays (traces with a tenant column); without it, the whole trace, its tenant column read past"),
        timing: z.enum(["ignore", "trace"]).optional().describe("trace: the gaps between timestamps become think time (default ignore)"),
      })
      .describe("the trace to replay: one access per request, object ids as pages in first-seen order"),
    offset: size("first byte of the trace's pages within the enclave").optional(),
    think: time("compute time after every access (default 0)").optional(),
  })
  .describe("an access phase replaying a trace");

/** the phase kinds, keyed by the key that identifies them */
export const phaseSchemas = { idle: idlePhaseSchema, grow: growPhaseSchema, shrink: shrinkPhaseSchema, pattern: accessPatternSchema, trace: tracePhaseSchema } as const;

export const phasesSchema = z
  .strictObject({ phases: z.array(z.unknown()).min(1).describe("phases run in order; each begins when every thread has finished the previous one") })
  .describe("a list of phases");

const phaseUnion = z.union([accessPatternSchema, tracePhaseSchema, idlePhaseSchema, growPhaseSchema, shrinkPhaseSchema]).describe("a phase: an access pattern, {trace}, {idle}, {grow} or {shrink}");
const accessUnion = z
  .union([
    accessPatternSchema,
    tracePhaseSchema,
    z
      .strictObject({ phases: z.array(phaseUnion).min(1).describe("phases run in order; each begins when every thread has finished the previous one") })
      .describe("a list of phases"),
  ])
  .describe("what the threads do in the enclave: one access pattern, or {phases: [...]}");

export const enclaveProgramSchema = z
  .strictObject({
  enclave: z
    .strictObject({
      size: size("ELRANGE size; the kernel accepts only powers of two"),
      add: size("bytes added with ADD_PAGES before EINIT, TCS pages included (default: size)").optional(),
      measure: z.boolean().optional().describe("EEXTEND every added page (default true)"),
      tcs: z.number().int().min(1).optional().describe("TCS pages, at the top of the added region (default 1)"),
      debug: z.boolean().optional().describe("set the DEBUG attribute (default false)"),
      addChunk: size("bytes per ADD_PAGES call (default: the whole region)").optional(),
    })
    .describe("the enclave to build"),
  threads: z.number().int().min(1).max(64).optional().describe("threads running the access program (default 1, at most tcs)"),
  access: z.unknown().optional().describe("an access pattern, or {phases: [...]}; without it the program builds, initializes and exits"),
  })
  .describe("build an enclave with ADD_PAGES, EINIT and mmap it, run the access program on `threads` threads, exit");

export const presetProgramSchema = z
  .strictObject({
    preset: z.enum(["test_sgx_oversubscribed"]).describe("test_sgx_oversubscribed: the kernel selftest's workload, an enclave with a heap as large as the EPC"),
  })
  .describe("a well-known workload");

export const vmProgramSchema = z.strictObject({
  vm: z
    .strictObject({
      epc: size("guest EPC size (/dev/sgx_vepc mapping)"),
      touch: z.union([z.literal("all"), sizeInput]).optional().describe('how much of it the guest faults in: "all" (default) or a size'),
      hold: time("how long the guest keeps its EPC after touching it (default: until every other process has exited)").optional(),
    })
    .describe("a KVM guest using virtual EPC"),
}).describe("a KVM guest on /dev/sgx_vepc");

const STEPS_DESCRIPTION = "low-level program: one system call or enclave action per item, each a mapping with one key; an exit 0 is appended if the last step is not an exit";
export const stepsProgramSchema = z.strictObject({ steps: z.array(z.unknown()).min(1).describe(STEPS_DESCRIPTION) }).describe("a low-level program");

export const programSchemas = { enclave: enclaveProgramSchema, preset: presetProgramSchema, vm: vmProgramSchema, steps: stepsProgramSchema } as const;

const expect = z.enum(ERRNO_NAMES).optional().describe("the errno this step is expected to fail with; the program then continues");
const permString = z
  .string()
  .regex(/^r?w?x?$/, 'expected permission letters in the order r, w, x, such as "rw" or "rx" (or "")')
  .describe("SECINFO permissions");

const offset = (what: string) => size(`${what}: byte offset in the enclave (ELRANGE)`);
const length = (what: string) => size(`${what}: bytes from the offset`);
const expectOnly = z.strictObject({ expect });
const retry = z
  .boolean()
  .optional()
  .describe("reissue the ioctl for the rest of the range while it fails with EAGAIN, as the selftest's loops do (default false)");

export const stepSchemas = {
  create: z
    .strictObject({
      size: size("ELRANGE size; the kernel accepts only powers of two of at least two pages (EINVAL otherwise)"),
      debug: z.boolean().optional().describe("the DEBUG attribute (default false)"),
      provisionKey: z.boolean().optional().describe("the PROVISIONKEY attribute: INIT then fails with EACCES unless a provision step came first"),
      expect,
    })
    .describe("open /dev/sgx_enclave and SGX_IOC_ENCLAVE_CREATE (ECREATE)"),
  provision: z
    .union([
      z.null(),
      z.strictObject({
        fd: z.enum(["sgx_provision", "other"]).optional().describe("the file passed: /dev/sgx_provision (default) or another one (EINVAL)"),
        expect,
      }),
    ])
    .describe("SGX_IOC_ENCLAVE_PROVISION: allow the PROVISIONKEY attribute"),
  addPages: z
    .strictObject({
      offset: offset("first page to add"),
      length: length("bytes to add"),
      type: z.enum(["reg", "tcs"]).optional().describe("page type (default reg)"),
      perm: permString.optional().describe('SECINFO permissions, letters r, w, x in that order (default "rw"; TCS pages use "")'),
      measure: z.boolean().optional().describe("SGX_PAGE_MEASURE: EEXTEND every page (default true)"),
      chunk: size("bytes per ioctl; user space splits the region into calls of this size (default: the whole region)").optional(),
      expect,
    })
    .describe("SGX_IOC_ENCLAVE_ADD_PAGES (EADD, and EEXTEND when measured)"),
  init: z.union([z.null(), expectOnly]).describe("SGX_IOC_ENCLAVE_INIT (EINIT); {} or null"),
  mmap: z
    .union([
      z.null(),
      z.strictObject({
        prot: permString.optional().describe("one mapping of the whole ELRANGE with this protection (checked by sgx_encl_may_map: EACCES)"),
        private: z.boolean().optional().describe("MAP_PRIVATE, which the driver refuses with EINVAL"),
        expect,
      }),
    ])
    .describe("mmap() the enclave; {} or null for what a loader does (one VMA per added region)"),
  run: z
    .strictObject({
      threads: z.number().int().min(1).max(64).optional().describe("threads entering the enclave (default 1; each needs a TCS)"),
      access: z.unknown().describe("an access pattern, or {phases: [...]}"),
    })
    .describe("enter the enclave on `threads` threads and run the access program"),
  ecall: z
    .strictObject({
      touch: z
        .array(sizeInput)
        .optional()
        .describe("enclave byte offsets touched by one ECALL (sizes: 4096, \"24KiB\"); they fault pages in without the hardware's permission checks"),
      read: z
        .union([sizeInput, z.array(sizeInput)])
        .optional()
        .describe("offsets the ECALL reads (ENCL_OP_GET_FROM_ADDRESS), checked: the VMA must allow reading and the EPCM must hold an accepted REG page with R, else #PF"),
      write: z
        .union([sizeInput, z.array(sizeInput)])
        .optional()
        .describe("offsets the ECALL writes (ENCL_OP_PUT_TO_ADDRESS), checked like read, with W"),
      tcs: size("enter through the TCS page at this offset; it must be a valid, accepted TCS").optional(),
      resume: z.boolean().optional().describe("ERESUME: first retry the access that took the last reported exception"),
      vdso: z.boolean().optional().describe("enter through __vdso_sgx_enter_enclave: an exception the kernel does not resolve is reported, not signalled (default false: SIGSEGV/SIGBUS)"),
      exception: z
        .strictObject({
          vector: z.number().int().min(0).max(31).describe("exception vector (14: #PF)"),
          errorCode: z.number().int().min(0).describe("#PF error code: P 0x1, W 0x2, U 0x4, SGX 0x8000"),
          address: size("faulting address as an offset in ELRANGE"),
        })
        .optional()
        .describe("the exception the vDSO must report for this call (implies vdso); without it a reported exception fails the process"),
    })
    .describe("one ECALL on thread 0: touch, read or write the given offsets, or nothing (a NOP)"),
  modifyTypes: z
    .strictObject({
      offset: offset("first page"),
      length: length("bytes to change"),
      type: z.enum(["tcs", "trim"]).describe("the new page type"),
      retry,
      expect,
    })
    .describe("SGX2: SGX_IOC_ENCLAVE_MODIFY_TYPES (EMODT)"),
  restrictPermissions: z
    .strictObject({
      offset: offset("first page"),
      length: length("bytes to change"),
      perm: permString.describe('the restricted SECINFO permissions, letters r, w, x in that order ("r", "")'),
      retry,
      expect,
    })
    .describe("SGX2: SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS (EMODPR)"),
  eaccept: z
    .strictObject({
      offset: offset("first page"),
      length: length("bytes to accept"),
      tcs: size("enter through the TCS page at this offset").optional(),
      secinfo: z
        .string()
        .regex(/^\s*[A-Za-z]+(\s*[|\s]\s*[A-Za-z]+)*\s*$/, 'expected SECINFO flags such as "R|W|REG|PENDING" or "TRIM|MODIFIED"')
        .optional()
        .describe('the SECINFO flags passed, as in the selftest: R, W, X, one of REG/TCS/TRIM, and PENDING, MODIFIED, PR, joined by "|"; EACCEPT fails with SGX_PAGE_ATTRIBUTES_MISMATCH (19) unless they equal the EPCM entry (default: what the page needs)'),
    })
    .describe("SGX2: the enclave EACCEPTs the pages (one ECALL); each step's result is in the process's eaccepts"),
  emodpe: z
    .strictObject({
      offset: offset("first page"),
      length: length("bytes to extend"),
      perm: permString.describe("the SECINFO permissions added, letters r, w, x"),
      tcs: size("enter through the TCS page at this offset").optional(),
    })
    .describe("SGX2: the enclave runs ENCLU[EMODPE] on the pages, extending their EPCM permissions (one ECALL)"),
  removePages: z
    .strictObject({ offset: offset("first page"), length: length("bytes to remove"), retry, expect })
    .describe("SGX2: SGX_IOC_ENCLAVE_REMOVE_PAGES (EREMOVE of trimmed, accepted pages)"),
  fork: z.strictObject({ hold: time("how long the child lives") }).describe("fork(): the child shares the enclave (a second mm) until it exits"),
  idle: time("sleep outside the enclave"),
  close: z.union([z.null(), z.strictObject({})]).describe("close the enclave fd; {} or null"),
  vepc: z
    .strictObject({
      epc: size("guest EPC size"),
      touch: z.union([z.literal("all"), sizeInput]).optional().describe('how much of it the guest faults in: "all" (default) or a size'),
    })
    .describe("open /dev/sgx_vepc, mmap `epc` bytes and fault `touch` bytes of it"),
  vepcRemoveAll: z
    .union([
      z.null(),
      z.strictObject({ arg: z.number().int().min(0).optional().describe("the ioctl argument; anything but 0 is EINVAL"), expect }),
    ])
    .describe("SGX_IOC_VEPC_REMOVE_ALL"),
  mprotect: z
    .strictObject({
      prot: permString.describe("the new protection, letters r, w, x in that order"),
      offset: offset("first page to change (default: the whole mapping)").optional(),
      length: length("bytes to change (default: to the end of ELRANGE)").optional(),
      expect,
    })
    .describe("mprotect() of the enclave mapping or a range of it (checked by sgx_encl_may_map over the range: EACCES)"),
  hold: z.union([z.null(), time("how long to hold")]).describe("hold for a time, or (null) until every other non-guest process has exited"),
  exit: z.number().int().min(0).max(255).describe("exit with this code (0..255)"),
} as const;

const absolutePath = z.string().regex(/^\//, 'expected a path starting with "/"').describe("an absolute cgroup path");
/** "/a/misc.current" or {path: "/a/misc.current"} */
function pathOrObject(description: string) {
  return z
    .union([absolutePath, z.strictObject({ path: absolutePath })])
    .transform((v) => (typeof v === "string" ? v : v.path))
    .describe(description);
}

const at = time("when the event happens, in simulated time from the start");

export const eventSchemas = {
  kill: z.strictObject({
    at,
    kill: z.string().describe('process instance ("name[1]") or base name (every replica)'),
    signal: z
      .union([
        z.enum(SIGNAL_NAMES),
        z.enum(SIGNAL_NAMES.map((s) => s.slice(3)) as [string, ...string[]]).transform((s) => `SIG${s}`),
        z.number().int().transform((n, ctx) => {
          const name = SIGNAL_NAMES.find((s) => SIGNAL_NUMBERS[s] === n);
          if (name === undefined) {
            ctx.addIssue({ code: "custom", message: `expected a signal number among ${Object.values(SIGNAL_NUMBERS).join(", ")}, got ${n}` });
            return z.NEVER;
          }
          return name;
        }),
      ])
      .optional()
      .describe(`signal name (SIGTERM or TERM) or number (default SIGKILL); one of ${SIGNAL_NAMES.join(" ")}`),
  }).describe("send a signal to a process instance, or to every replica of a base name"),
  memoryFailure: z.strictObject({
    at,
    memoryFailure: z.strictObject({
      frame: z.number().int().min(0).describe("EPC frame number (frames are numbered from 0 across the sections)"),
      actionRequired: z.boolean().optional().describe("MF_ACTION_REQUIRED: SIGBUS to `process`"),
      process: z.string().nullable().optional().describe("the process instance that was touching the page (gets SIGBUS with actionRequired), or null (default)"),
    }).describe("the frame and who noticed it"),
  }).describe("a machine-check memory failure on an EPC frame (the frame is poisoned)"),
  write: z.strictObject({
    at,
    write: z.strictObject({
      path: z.string().regex(/^\//, 'expected a file path starting with "/", such as /a/misc.max').describe("cgroup file, e.g. /a/misc.max"),
      value: z.union([z.string(), z.number()]).describe('what is written, e.g. "sgx_epc 1048576"'),
    }).describe("the file and the text"),
  }).describe("write a cgroup interface file"),
  read: z.strictObject({ at, read: pathOrObject("cgroup file to read, e.g. /a/misc.current, or {path: ...}") }).describe("read a cgroup interface file into the result"),
  mkdir: z.strictObject({ at, mkdir: pathOrObject("cgroup to create, e.g. /a, or {path: ...}") }).describe("create a cgroup"),
  rmdir: z.strictObject({ at, rmdir: pathOrObject("cgroup to remove, e.g. /a, or {path: ...}") }).describe("remove a cgroup"),
  move: z.strictObject({
    at,
    move: z.strictObject({
      process: z.string().describe("process instance, or base name for every replica"),
      cgroup: z.string().regex(/^\//, 'expected a cgroup path starting with "/"').describe("the destination cgroup"),
    }).describe("the process and the destination"),
  }).describe("move a process to another cgroup; its charges stay where they were made"),
  inject: z.strictObject({
    at,
    inject: z.strictObject({
      leaf: z.enum(["EEXTEND", "EWB", "ELDU"]).describe("the ENCLS leaf whose next executions fail"),
      count: z.number().int().min(1).optional().describe("how many (default 1)"),
    }).describe("the failing leaf"),
  }).describe("fault injection: the next executions of an ENCLS leaf fail"),
} as const;

const PROGRAM_DESCRIPTION = "what the process does: exactly one of enclave (compact enclave program), preset, vm (a KVM guest) or steps (low-level)";

export const processSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected a name of letters, digits, '_', '.' and '-'").describe("process name"),
  start: time("start time (default 0)").optional(),
  replicas: z.number().int().min(1).max(10_000).optional().describe("instances, named name[0], name[1], ... (default 1)"),
  cgroup: z.string().regex(/^\//, 'expected a cgroup path starting with "/"').optional().describe('cgroup path (default "/")'),
  memory: size("resident memory outside the enclave, charged to the cgroup's memory controller (default 0)").optional(),
  program: z.unknown().describe(PROGRAM_DESCRIPTION),
});

export const machineSchema = z.strictObject({
  epc: size("total EPC (default: the profile's sections, e.g. 23,936 pages for client-128m), split evenly over the NUMA nodes into one section per node, the last taking the remainder").optional(),
  sections: z
    .array(
      z
        .strictObject({
          size: size("section size, a multiple of 4096"),
          node: z.number().int().min(0).optional().describe("the NUMA node of the section, below numaNodes (default 0)"),
        })
        .describe("one EPC section"),
    )
    .min(1)
    .optional()
    .describe("EPC sections in CPUID order (instead of epc), at most 8; frames are numbered consecutively from 0"),
  numaNodes: z.number().int().min(1).max(64).optional().describe("NUMA nodes (default: the profile's; with sections, one more than the highest node)"),
  cpus: z.number().int().min(1).max(1024).optional().describe("logical CPUs, 1..1024 (default: the profile's, 8 for client-128m)"),
  sgx2: z.boolean().optional().describe("EAUG/EMODPR/EMODT support (default true)"),
  profile: z.string().optional().describe("the platform: its EPC sections, NUMA nodes, CPUs, clock and costs (default client-128m); see `epcsim profiles`"),
  costs: z
    .record(z.string(), z.number().min(0).describe("the parameter's value in its own unit (cycles, ns or GHz)"))
    .optional()
    .describe("cost parameter overrides in the profile's units, e.g. {ewb: 12000}; see `epcsim profiles`"),
}).describe("the simulated machine");

export const optionsSchema = z.strictObject({
  eaugRaceFix: z.boolean().optional().describe("the proposed fix for the EAUG race (quirk Q11): the loser retries instead of SIGBUS"),
  timedSanitize: z.boolean().optional().describe("ksgxd sanitizes the EPC from t=0 instead of instantly before it"),
  schedQuantum: time("scheduler time slice (default EEVDF's base slice: 0.75 ms x (1 + log2 of the CPUs, at most 8)), e.g. 3 ms for 8 CPUs").optional(),
  enclLock: z
    .boolean()
    .optional()
    .describe("model encl->lock: kernel sections of one enclave (faults, EADD, reclaim's EBLOCK and EWB, SGX2 ioctl pages) wait for each other (default true; false: they overlap, the model before this option)"),
  kthreads: z
    .enum(["scheduled", "free"])
    .optional()
    .describe("ksgxd and the kworkers take CPUs like user threads (scheduled, the default) or run beside them without a CPU (free, the model before 0.2)"),
  cgroupQueueAfterCharge: z
    .boolean()
    .optional()
    .describe("v17: also queue the async reclaim after a successful charge, as the unreachable v11+ code intended (spec 5.16)"),
  miscEvents: z.enum(["6.11", "pre-6.11"]).optional().describe("misc.events counting: 6.11+ (default for v17) or the older rules (default for v5)"),
  livelockRetries: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("simulation guard: stop the run when one thread has retried this many times in a row without progress (a fault, an SGX2 ioctl on EAGAIN, a vEPC fault, or a kernel charge or reclaim loop), a livelock the kernel would spin in forever (default 100000; 0 never stops)"),
}).describe("kernel options; every default is the mainline behaviour");

/** files a `cgroups:` entry may write at time zero */
export const WRITABLE_CGROUP_FILES = ["misc.max", "memory.max", "cgroup.subtree_control"] as const;

export const cgroupsSchema = z
  .record(
    z.string().regex(/^\//, 'expected a cgroup path starting with "/"'),
    z.union([z.null(), z.partialRecord(z.enum([...WRITABLE_CGROUP_FILES, "expect"]), z.union([z.string(), z.number()]))]),
  )
  .describe('cgroups created at time zero (parents are created as needed): path -> {file: value}, e.g. {"/a": {"misc.max": "sgx_epc 1048576"}}; a write the kernel refuses is bad input unless the entry has expect: ERRNO');

const PROCESSES_DESCRIPTION = "the processes, in order; replicas are expanded in index order";
const EVENTS_DESCRIPTION = "scheduled events, each a mapping with `at` and one event key; they run in the order of `at` (file order for equal times)";
const CGROUPS_DESCRIPTION = 'cgroups created at time zero: a mapping of paths to {file: value} writes (child paths may nest), or a list of {path, files}';

export const topSchema = z.strictObject({
  kernel: z.enum(["mainline", "v17", "v5"]).optional().describe("driver generation (default mainline)"),
  seed: z.number().int().min(0).max(2 ** 31 - 1).optional().describe("PRNG seed (default 1)"),
  until: time("stop the simulation at this simulated time").optional(),
  machine: machineSchema.optional(),
  options: optionsSchema.optional(),
  policy: z
    .strictObject({
      unreclaimableTracking: z
        .enum(["secs+va", "secs-only"])
        .optional()
        .describe("kernel: v5 — which pages the OOM path can find enclaves through: SECS and VA pages (the series, default) or SECS only (the reviewers' proposal)"),
      oomVictim: z
        .enum(["list-order", "most-epc", "least-recently-active"])
        .optional()
        .describe("kernel: v5 — the OOM victim: the head of the unreclaimable list (the series, default), the enclave with the most charged EPC, or the one that ran least recently"),
    })
    .optional()
    .describe("the contested choices of the v5 design (kernel: v5)"),
  processes: z.array(processSchema).optional().describe(PROCESSES_DESCRIPTION),
  events: z.array(z.unknown()).optional().describe(EVENTS_DESCRIPTION),
  cgroups: z.unknown().optional().describe(CGROUPS_DESCRIPTION),
});

/** the whole document with its unions spelled out, for the published JSON Schema */
export const documentSchema = topSchema.extend({
  processes: z
    .array(
      processSchema
        .extend({
          program: z
            .union([
              enclaveProgramSchema.extend({ access: accessUnion.optional() }).describe(enclaveProgramSchema.description ?? "enclave"),
              presetProgramSchema,
              vmProgramSchema,
              stepsProgramSchema.extend({
                steps: z
                  .array(
                    z
                      .union(
                        Object.entries(stepSchemas).map(([k, s]) =>
                          z.strictObject({ [k]: k === "run" ? stepSchemas.run.extend({ access: accessUnion }).describe(stepSchemas.run.description ?? k) : s }).describe(s.description ?? k),
                        ) as unknown as [z.ZodType, z.ZodType],
                      )
                      .describe("a step: a mapping with one key naming it"),
                  )
                  .min(1)
                  .describe(STEPS_DESCRIPTION),
              }).describe(stepsProgramSchema.description ?? "steps"),
            ])
            .describe(PROGRAM_DESCRIPTION),
        })
        .describe("a process (or several identical ones with replicas)"),
    )
    .optional()
    .describe(PROCESSES_DESCRIPTION),
  cgroups: cgroupsSchema.optional(),
  events: z
    .array(
      z.union([
        eventSchemas.kill,
        eventSchemas.memoryFailure,
        eventSchemas.inject,
        eventSchemas.write,
        eventSchemas.read,
        eventSchemas.mkdir,
        eventSchemas.rmdir,
        eventSchemas.move,
      ]).describe("an event: `at` and one of kill, memoryFailure, inject, write, read, mkdir, rmdir, move"),
    )
    .optional()
    .describe(EVENTS_DESCRIPTION),
});

export function scenarioJsonSchema(): object {
  const schema = z.toJSONSchema(documentSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, title: "epcsim scenario", description: "A scenario for epcsim, the SGX EPC memory-management simulator." };
}
