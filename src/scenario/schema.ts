// The scenario file format as zod schemas. Objects are strict, so a misspelt key is an error.
// Sizes and times are validated by units.ts and arrive here already converted (bytes, integer ns).
// Programs, steps and events are unions the loader dispatches by key, for precise error messages;
// `documentSchema` puts them together for the published JSON Schema.
import { z } from "zod";
import { parseSize, parseTime } from "./units.js";
import { SIGNALS } from "../kernel/errno.js";

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
export const growPhaseSchema = z.strictObject({ grow: size("bytes of new pages to touch above the heap top (SGX2: EAUG on fault, then EACCEPT)") });
export const shrinkPhaseSchema = z.strictObject({ shrink: size("bytes to trim from the heap top (SGX2: MODIFY_TYPES to TRIM, EACCEPT, REMOVE_PAGES)") });

/** the phase kinds, keyed by the key that identifies them */
export const phaseSchemas = { idle: idlePhaseSchema, grow: growPhaseSchema, shrink: shrinkPhaseSchema, pattern: accessPatternSchema } as const;

export const phasesSchema = z
  .strictObject({ phases: z.array(z.unknown()).min(1).describe("phases run in order; each begins when every thread has finished the previous one") })
  .describe("a list of phases");

const phaseUnion = z.union([accessPatternSchema, idlePhaseSchema, growPhaseSchema, shrinkPhaseSchema]);
const accessUnion = z.union([accessPatternSchema, z.strictObject({ phases: z.array(phaseUnion).min(1) })]);

export const enclaveProgramSchema = z.strictObject({
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
});

export const presetProgramSchema = z.strictObject({
  preset: z.enum(["test_sgx_oversubscribed"]).describe("test_sgx_oversubscribed: the kernel selftest's workload, an enclave with a heap as large as the EPC"),
});

export const vmProgramSchema = z.strictObject({
  vm: z
    .strictObject({
      epc: size("guest EPC size (/dev/sgx_vepc mapping)"),
      touch: z.union([z.literal("all"), sizeInput]).optional().describe('how much of it the guest faults in: "all" (default) or a size'),
      hold: time("how long the guest keeps its EPC after touching it (default: until every other process has exited)").optional(),
    })
    .describe("a KVM guest using virtual EPC"),
});

export const stepsProgramSchema = z.strictObject({
  steps: z.array(z.unknown()).min(1).describe("low-level program: one system call or enclave action per item"),
});

export const programSchemas = { enclave: enclaveProgramSchema, preset: presetProgramSchema, vm: vmProgramSchema, steps: stepsProgramSchema } as const;

const expect = z.enum(ERRNO_NAMES).optional().describe("the errno this step is expected to fail with; the program then continues");
const permString = z
  .string()
  .regex(/^r?w?x?$/, 'expected permission letters in the order r, w, x, such as "rw" or "rx" (or "")')
  .describe("SECINFO permissions");

export const stepSchemas = {
  create: z.strictObject({
    size: size("ELRANGE size"),
    debug: z.boolean().optional().describe("the DEBUG attribute"),
    provisionKey: z.boolean().optional().describe("the PROVISIONKEY attribute: INIT then fails with EACCES unless a provision step came first"),
    expect,
  }),
  provision: z.union([
    z.null(),
    z.strictObject({
      fd: z.enum(["sgx_provision", "other"]).optional().describe('the file passed: /dev/sgx_provision (default) or another one (EINVAL)'),
      expect,
    }),
  ]),
  addPages: z.strictObject({
    offset: size("offset in the enclave"),
    length: size("bytes to add"),
    type: z.enum(["reg", "tcs"]).optional().describe("page type (default reg)"),
    perm: permString.optional(),
    measure: z.boolean().optional(),
    chunk: size("bytes per ioctl").optional(),
    expect,
  }),
  init: z.union([z.null(), z.strictObject({ expect })]),
  mmap: z.union([
    z.null(),
    z.strictObject({
      prot: permString.optional().describe("one mapping of the whole ELRANGE with this protection (checked by sgx_encl_may_map: EACCES)"),
      private: z.boolean().optional().describe("MAP_PRIVATE, which the driver refuses with EINVAL"),
      expect,
    }),
  ]),
  run: z.strictObject({ threads: z.number().int().min(1).max(64).optional(), access: z.unknown() }),
  ecall: z.strictObject({ touch: z.array(sizeInput).describe("enclave offsets touched by one ECALL") }),
  modifyTypes: z.strictObject({ offset: size("offset"), length: size("length"), type: z.enum(["tcs", "trim"]), expect }),
  restrictPermissions: z.strictObject({ offset: size("offset"), length: size("length"), perm: permString, expect }),
  eaccept: z.strictObject({ offset: size("offset"), length: size("length") }),
  removePages: z.strictObject({ offset: size("offset"), length: size("length"), expect }),
  fork: z.strictObject({ hold: time("how long the child lives") }),
  idle: time("sleep"),
  close: z.union([z.null(), z.strictObject({})]),
  vepc: z.strictObject({ epc: size("guest EPC size"), touch: z.union([z.literal("all"), sizeInput]).optional() }),
  vepcRemoveAll: z.union([
    z.null(),
    z.strictObject({ arg: z.number().int().min(0).optional().describe("the ioctl argument; anything but 0 is EINVAL"), expect }),
  ]),
  mprotect: z.strictObject({ prot: permString, expect }),
  hold: z.union([z.null(), time("how long to hold")]),
  exit: z.number().int().min(0).max(255),
} as const;

const absolutePath = z.string().regex(/^\//, 'expected a path starting with "/"');
/** "/a/misc.current" or {path: "/a/misc.current"} */
function pathOrObject(description: string) {
  return z
    .union([absolutePath, z.strictObject({ path: absolutePath })])
    .transform((v) => (typeof v === "string" ? v : v.path))
    .describe(description);
}

export const eventSchemas = {
  kill: z.strictObject({
    at: time("when"),
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
      .describe("signal name (SIGTERM or TERM) or number (default SIGKILL)"),
  }),
  memoryFailure: z.strictObject({
    at: time("when"),
    memoryFailure: z.strictObject({
      frame: z.number().int().min(0).describe("EPC frame number (frames are numbered from 0 across the sections)"),
      actionRequired: z.boolean().optional().describe("MF_ACTION_REQUIRED: SIGBUS to `process`"),
      process: z.string().nullable().optional(),
    }),
  }),
  write: z.strictObject({
    at: time("when"),
    write: z.strictObject({
      path: z.string().regex(/^\//, 'expected a file path starting with "/", such as /a/misc.max').describe("cgroup file, e.g. /a/misc.max"),
      value: z.union([z.string(), z.number()]).describe('what is written, e.g. "sgx_epc 1048576"'),
    }),
  }),
  read: z.strictObject({ at: time("when"), read: pathOrObject("cgroup file to read, e.g. /a/misc.current") }),
  mkdir: z.strictObject({ at: time("when"), mkdir: pathOrObject("cgroup to create") }),
  rmdir: z.strictObject({ at: time("when"), rmdir: pathOrObject("cgroup to remove") }),
  move: z.strictObject({
    at: time("when"),
    move: z.strictObject({
      process: z.string().describe("process instance, or base name for every replica"),
      cgroup: z.string().regex(/^\//, 'expected a cgroup path starting with "/"'),
    }),
  }),
  inject: z.strictObject({
    at: time("when"),
    inject: z.strictObject({
      leaf: z.enum(["EEXTEND", "EWB", "ELDU"]).describe("the ENCLS leaf whose next executions fail"),
      count: z.number().int().min(1).optional().describe("how many (default 1)"),
    }),
  }),
} as const;

export const processSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "expected a name of letters, digits, '_', '.' and '-'").describe("process name"),
  start: time("start time (default 0)").optional(),
  replicas: z.number().int().min(1).max(10_000).optional().describe("instances, named name[0], name[1], ... (default 1)"),
  cgroup: z.string().regex(/^\//, 'expected a cgroup path starting with "/"').optional().describe('cgroup path (default "/")'),
  memory: size("resident memory outside the enclave, charged to the cgroup's memory controller (default 0)").optional(),
  program: z.unknown(),
});

export const machineSchema = z.strictObject({
  epc: size("total EPC, split evenly over the NUMA nodes").optional(),
  sections: z
    .array(z.strictObject({ size: size("section size"), node: z.number().int().min(0).optional() }))
    .min(1)
    .optional()
    .describe("EPC sections in CPUID order (instead of epc)"),
  numaNodes: z.number().int().min(1).max(64).optional().describe("default 1"),
  cpus: z.number().int().min(1).max(1024).optional().describe("default 8"),
  sgx2: z.boolean().optional().describe("EAUG/EMODPR/EMODT support (default true)"),
  profile: z.string().optional().describe("cost profile (default client-128m); see `epcsim profiles`"),
  costs: z.record(z.string(), z.number().min(0)).optional().describe("cost parameter overrides in the profile's units"),
});

export const optionsSchema = z.strictObject({
  eaugRaceFix: z.boolean().optional().describe("the proposed fix for the EAUG race (quirk Q11): the loser retries instead of SIGBUS"),
  timedSanitize: z.boolean().optional().describe("ksgxd sanitizes the EPC from t=0 instead of instantly before it"),
  schedQuantum: time("scheduler time slice (default 4ms)").optional(),
  cgroupQueueAfterCharge: z
    .boolean()
    .optional()
    .describe("v17: also queue the async reclaim after a successful charge, as the unreachable v11+ code intended (spec 5.16)"),
  miscEvents: z.enum(["6.11", "pre-6.11"]).optional().describe("misc.events counting: 6.11+ (default for v17) or the older rules (default for v5)"),
});

/** files a `cgroups:` entry may write at time zero */
export const WRITABLE_CGROUP_FILES = ["misc.max", "memory.max", "cgroup.subtree_control"] as const;

export const cgroupsSchema = z
  .record(
    z.string().regex(/^\//, 'expected a cgroup path starting with "/"'),
    z.union([z.null(), z.partialRecord(z.enum(WRITABLE_CGROUP_FILES), z.union([z.string(), z.number()]))]),
  )
  .describe('cgroups created at time zero (parents are created as needed): path -> {file: value}, e.g. {"/a": {"misc.max": "sgx_epc 1048576"}}');

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
  processes: z.array(processSchema).optional(),
  events: z.array(z.unknown()).optional(),
  cgroups: z.unknown().optional(),
});

/** the whole document with its unions spelled out, for the published JSON Schema */
export const documentSchema = topSchema.extend({
  processes: z.array(
    processSchema.extend({
      program: z.union([
        enclaveProgramSchema.extend({ access: accessUnion.optional() }),
        presetProgramSchema,
        vmProgramSchema,
        stepsProgramSchema.extend({
          steps: z.array(z.union(Object.entries(stepSchemas).map(([k, s]) => z.strictObject({ [k]: s })) as unknown as [z.ZodType, z.ZodType])),
        }),
      ]),
    }),
  ).optional(),
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
      ]),
    )
    .optional(),
});

export function scenarioJsonSchema(): object {
  const schema = z.toJSONSchema(documentSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { ...schema, title: "epcsim scenario", description: "A scenario for epcsim, the SGX EPC memory-management simulator." };
}
