// The cost model: what each ENCLS leaf, fault, IPI round, PTE operation and backing-store copy
// costs, per platform profile. Public per-instruction numbers are scarce (spec anchors §B2): the
// one verified aggregate is VAULT's ~40K cycles per EPC page swap on a Skylake-era MEE part, so the
// client profile is calibrated to it and every other number says how it was obtained.

export type CostParamName =
  | "clockGhz"
  | "ecreate"
  | "eadd"
  | "eextend"
  | "einit"
  | "eremove"
  | "epa"
  | "eblock"
  | "etrack"
  | "ewb"
  | "eldu"
  | "eaug"
  | "emodpr"
  | "emodt"
  | "eaccept"
  | "eenter"
  | "eexit"
  | "aex"
  | "eresume"
  | "faultEntry"
  | "ipiBase"
  | "ipiPerCpu"
  | "pteZap"
  | "ageScan"
  | "backingAlloc"
  | "backingCopy"
  | "memoryAccess"
  | "ioctlEntry"
  | "mmapCall"
  | "ksgxdWake"
  | "reclaimBatchOverhead"
  | "sha256Modulus";

export interface CostParam {
  value: number;
  unit: "cycles" | "ns" | "GHz";
  source: string;
  /** fitted: an assumed value refitted to a whole-workload measurement (docs/calibration.md), within what its note makes plausible */
  kind: "measured" | "derived" | "assumed" | "fitted";
  note?: string;
}

/** where a platform fact comes from: a vendor's documentation, a running system's report, or our assumption */
export type FactKind = "documented" | "reported" | "assumed";

/** the machine a profile stands for: its EPC sections and NUMA nodes and its CPUs (the clock is the clockGhz cost) */
export interface Platform {
  epc: {
    /** EPC sections in CPUID order, bytes (multiples of 4096), each on a NUMA node below numaNodes */
    sections: { size: number; node: number }[];
    numaNodes: number;
    source: string;
    kind: FactKind;
  };
  cpus: { value: number; source: string; kind: FactKind };
}

export interface CostProfile {
  name: string;
  description: string;
  /** other names the profile answers to (e.g. the cloud's own size name) */
  aliases?: readonly string[];
  platform: Platform;
  params: Record<CostParamName, CostParam>;
}

type NsParam = Exclude<CostParamName, "clockGhz" | "ipiBase" | "ipiPerCpu">;

/** resolved costs in integer nanoseconds, as the engine's hot paths use them */
export type Costs = { readonly [K in NsParam]: number } & {
  readonly profile: string;
  readonly clockGhz: number;
  /** one IPI round (on_each_cpu_mask, wait=1) to `cpus` CPUs, paid by the sender */
  ipiNs(cpus: number): number;
};

const VAULT = "VAULT (Taassori et al., ASPLOS'18, abstract): an EPC page swap costs about 40K cycles on a Skylake-era MEE part";
const HOTCALLS = "HotCalls (Weisse et al., ISCA'17, quoted second-hand): an ECALL round trip costs about 8,200 cycles warm";
/** the verified anchor of the client profile: one page swap, end to end */
const SWAP_ANCHOR_CYCLES = 40_000;
const RESIDUAL = `residual of ${VAULT}, after the assumed fault, copy, zap and batch costs of this profile`;
const SWAP_PART = "assumed piece of the page swap, sized so that the swap sums to VAULT's ~40K cycles";
const ASSUMED = "assumed: no public measurement found";

const p = (value: number, unit: CostParam["unit"], kind: CostParam["kind"], source: string, note?: string): CostParam =>
  note === undefined ? { value, unit, kind, source } : { value, unit, kind, source, note };

const client: Record<CostParamName, CostParam> = {
  clockGhz: p(3.0, "GHz", "assumed", "assumed: typical all-core clock of a Skylake/Coffee Lake client or E3 part"),
  ecreate: p(30_000, "cycles", "assumed", ASSUMED, "initialises and encrypts the SECS page; taken as three EADDs"),
  eadd: p(10_000, "cycles", "assumed", ASSUMED, "copies, encrypts and MACs one page into the EPC and fills its EPCM entry: taken near one ELDU"),
  eextend: p(1_000, "cycles", "assumed", ASSUMED, "microcoded SHA-256 over 256 bytes, four blocks; 16 per measured page"),
  einit: p(60_000, "cycles", "derived", 'kernel ioctl.c comment: EINIT has "50k+ cycles" latency on success', "a little above the kernel's lower bound"),
  eremove: p(4_000, "cycles", "derived", "commit 'x86/sgx: Silence softlockup detection when releasing large enclaves': ~1 minute for 128 GB of EPC, ~1.8 us per page including bookkeeping", "about 4,500 cycles at ~2.5 GHz, rounded down for the bookkeeping; an order of magnitude only"),
  epa: p(5_000, "cycles", "assumed", ASSUMED, "initialises a VA page: zeroes 4 KiB and fills its EPCM entry; taken as half an EADD"),
  eblock: p(1_000, "cycles", "assumed", SWAP_PART, "only sets the BLOCKED bit in the EPCM entry"),
  etrack: p(4_000, "cycles", "assumed", SWAP_PART, "paid once per enclave per reclaim batch, so a sixteenth of it counts per swap"),
  ewb: p(13_000, "cycles", "derived", RESIDUAL, "ewb + eldu = 25,000 cycles, about the 26,050 that ~40K leaves after the assumed rest; EWB the larger as it also writes the VA slot and PCMD"),
  eldu: p(12_000, "cycles", "derived", RESIDUAL, "decrypts, verifies the MAC and the VA version of one page"),
  eaug: p(8_000, "cycles", "assumed", ASSUMED, "zeroes a pending page and fills its EPCM entry: an EADD without the copy"),
  emodpr: p(3_000, "cycles", "assumed", ASSUMED, "EPCM update only, no data moved: a few EBLOCKs"),
  emodt: p(3_000, "cycles", "assumed", ASSUMED, "EPCM update only, no data moved: a few EBLOCKs"),
  eaccept: p(3_000, "cycles", "assumed", ASSUMED, "an ENCLU leaf that checks and updates one EPCM entry"),
  eenter: p(4_100, "cycles", "derived", HOTCALLS, "half of the warm round trip"),
  eexit: p(4_100, "cycles", "derived", HOTCALLS, "half of the warm round trip"),
  aex: p(2_000, "cycles", "assumed", SWAP_PART, "saves the state to the SSA and scrubs registers: taken as half an EEXIT"),
  eresume: p(2_000, "cycles", "assumed", SWAP_PART, "restores from the SSA: taken as half an EENTER"),
  faultEntry: p(3_000, "cycles", "assumed", SWAP_PART, "#PF entry, VMA lookup, sgx_vma_fault() locking, vmf_insert_pfn() and return, without ENCLS"),
  ipiBase: p(4_000, "cycles", "assumed", "assumed: Christopherson (LKML 2020-09-29) calls the reclaim IPIs painful but gives no number", "an smp_call_function_many() round with wait=1 is a microsecond or two"),
  ipiPerCpu: p(1_500, "cycles", "assumed", ASSUMED, "each further target CPU adds an APIC write and its acknowledgement"),
  pteZap: p(500, "cycles", "assumed", SWAP_PART, "zap_vma_ptes() of one page in one mm, with its share of the TLB flush"),
  ageScan: p(200, "cycles", "assumed", SWAP_PART, "one page-table walk and test-and-clear of the accessed bit in one mm"),
  backingAlloc: p(1_000, "cycles", "assumed", SWAP_PART, "two shmem page-cache lookups or allocations, contents and PCMD"),
  backingCopy: p(1_500, "cycles", "assumed", SWAP_PART, "kmap and memcpy of 4 KiB of ciphertext to or from shmem at ~3 bytes/cycle"),
  memoryAccess: p(100, "cycles", "assumed", ASSUMED, "an average enclave load/store: mostly cache hits, some MEE-checked misses"),
  ioctlEntry: p(1_000, "cycles", "assumed", "assumed: HotCalls quotes ~150 cycles for a bare syscall", "plus fdget, copy_from_user of the argument and the enclave mutex"),
  mmapCall: p(5_000, "cycles", "assumed", ASSUMED, "mmap_region() with a new VMA and sgx_encl_may_map() over the range"),
  ksgxdWake: p(20_000, "ns", "assumed", ASSUMED, "wake_up() to ksgxd running: a kthread wake-up and a context switch on a busy CPU"),
  reclaimBatchOverhead: p(16_000, "cycles", "assumed", SWAP_PART, "per sgx_reclaim_pages(): the LRU lock, list splicing, kref and backing bookkeeping of 16 pages"),
  sha256Modulus: p(8_000, "cycles", "assumed", ASSUMED, "generic SHA-256 of the 384-byte modulus, ~6,000 cycles, plus the four LE-hash WRMSRs"),
};

const CARRIED = "assumed: carried over unchanged from";

/** parameters whose source does not depend on the platform (kernel comments, server measurements) */
const PLATFORM_NEUTRAL: ReadonlySet<CostParamName> = new Set(["einit", "eremove"]);

/**
 * A profile derived from another: the listed values are replaced and marked assumed with `why`;
 * every other value is carried over, marked assumed (unless its source is platform neutral) and
 * its source says where it came from.
 */
function variant(
  baseName: string,
  base: Record<CostParamName, CostParam>,
  why: string,
  changes: Partial<Record<CostParamName, number>>,
): Record<CostParamName, CostParam> {
  const out = { ...base };
  for (const k of Object.keys(base) as CostParamName[]) {
    const b = base[k];
    const v = changes[k];
    if (v !== undefined) out[k] = p(v, b.unit, "assumed", why);
    else if (!PLATFORM_NEUTRAL.has(k) && !b.source.startsWith(CARRIED)) {
      out[k] = p(b.value, b.unit, "assumed", `${CARRIED} ${baseName}, where it is: ${b.source}`, b.note);
    }
  }
  return out;
}

const ICELAKE = "assumed: 3rd-gen Xeon SP encrypts with AES-XTS (TME-MK) and has no integrity tree, so paging and memory are cheaper than on MEE parts";
const icelake = variant("client-128m", client, ICELAKE, {
  clockGhz: 2.6,
  eadd: 8_000,
  ewb: 9_000,
  eldu: 8_500,
  eaug: 6_000,
  memoryAccess: 60,
  ipiPerCpu: 1_200,
});

const SPR = "assumed: Sapphire Rapids behaves like Ice Lake SP at a slightly higher clock with slightly faster paging";
const spr = variant("icelake-server", icelake, SPR, { clockGhz: 2.9, ewb: 8_500, eldu: 8_000 });

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** one EPC section on node 0 of a one-node machine */
const oneSection = (bytes: number, source: string, kind: FactKind): Platform["epc"] => ({ sections: [{ size: bytes, node: 0 }], numaNodes: 1, source, kind });

const DEVICE_PLUGIN =
  "intel/intel-device-plugins-for-kubernetes issue #1344: a 128 MB-PRM client node advertises sgx.intel.com/epc: 98041856 (23,936 pages); the README's example shows 98566144 (24,064 pages) for another such part";

const ICX_BIOS = "set in the BIOS per socket; DataManagementLab/second_gen_sgx_benchmark (DaMoN'22) run scripts: NUM_NUMA=2 with EPC_MAX=8000 (exp3_paging) or EPC_MAX=64000 (exp4b_inout, exp8_multienclave) \"in MB set in the bios\"";
const ICX_KB = "Intel KB 000059614: 3rd-gen Xeon Scalable, up to 512 GB EPC per socket, 1 TB on two sockets";
const ICX_CPUS = "assumed: 2 sockets x 16 cores x 2 threads, a Xeon Gold 6326-class part (the DaMoN'22 scripts' GHZ=3.5 fits that part's turbo clock; recalled, not verified)";

const icelake2s = (perSocket: number, which: string): Platform => ({
  epc: {
    sections: [
      { size: perSocket, node: 0 },
      { size: perSocket, node: 1 },
    ],
    numaNodes: 2,
    source: `${ICX_BIOS}; the ${which} variant, one section per socket (the PRMRR is a power of two, so ${perSocket / GiB} GiB); the EPCM's share of the PRM is not subtracted. ${ICX_KB}`,
    kind: "reported",
  },
  cpus: { value: 64, source: ICX_CPUS, kind: "assumed" },
});

const DCSV2 = "Microsoft docs, DCsv2-series (azure-docs articles/virtual-machines/dcv2-series.md): Xeon E-2288G with SGX, turbo up to 5.0 GHz";
const DCSV3 =
  "Microsoft docs, DCsv3 and DCdsv3-series (azure-docs articles/virtual-machines/dcv3-series.md): Xeon Platinum 8370C (3rd-gen Xeon Scalable), base all-core 2.8 GHz, hyper-threading disabled";
const VM_SECTION = "assumed: the VM sees its EPC as one virtual EPC section on one NUMA node";

/** the E-2288G is an MEE part like the client: the client's costs at its clock */
const e2288g = variant("client-128m", client, "assumed: the Xeon E-2288G (Coffee Lake E) has the same MEE design as the client part", {});
e2288g.clockGhz = p(3.7, "GHz", "assumed", "assumed: Intel ARK gives the Xeon E-2288G a 3.7 GHz base clock (recalled, not verified); Microsoft docs give only the 5.0 GHz turbo", "virtualization adds exits the model does not charge");
/** the 8370C is an Ice Lake SP: the Ice Lake costs at the documented clock */
const i8370c = variant("icelake-server", icelake, ICELAKE, {});
i8370c.clockGhz = p(2.8, "GHz", "derived", `${DCSV3}: the base all-core clock`, "virtualization adds exits the model does not charge");

function azureV2(size: string, vcpus: number, epcMiB: number, ramGiB: number): CostProfile {
  const name = `azure-dc${size}-v2`;
  return {
    name,
    description: `Azure Standard_DC${size}_v2: ${vcpus} vCPU, ${ramGiB} GiB RAM, ${epcMiB} MiB EPC on a Xeon E-2288G (MEE)`,
    aliases: [`Standard_DC${size}_v2`],
    platform: {
      epc: oneSection(epcMiB * MiB, `${DCSV2}: "EPC Memory (MiB)" ${epcMiB} for Standard_DC${size}_v2; ${VM_SECTION}`, "documented"),
      cpus: { value: vcpus, source: `${DCSV2}: ${vcpus} vCPU for Standard_DC${size}_v2`, kind: "documented" },
    },
    params: e2288g,
  };
}

function azureV3(cores: number, epcGiB: number, ramGB: number): CostProfile {
  const name = `azure-dc${cores}s-v3`;
  return {
    name,
    description: `Azure Standard_DC${cores}s_v3 (and DC${cores}ds_v3): ${cores} vCPU (one physical core each), ${ramGB} GB RAM, ${epcGiB} GiB EPC on a Xeon Platinum 8370C (Ice Lake SP)`,
    aliases: [`Standard_DC${cores}s_v3`, `Standard_DC${cores}ds_v3`, `azure-dc${cores}ds-v3`],
    platform: {
      epc: oneSection(epcGiB * GiB, `${DCSV3}: "EPC Memory GiB" ${epcGiB} for Standard_DC${cores}s_v3 and DC${cores}ds_v3; ${VM_SECTION}`, "documented"),
      cpus: { value: cores, source: `${DCSV3}: ${cores} physical cores for Standard_DC${cores}s_v3, one vCPU each (no hyper-threading)`, kind: "documented" },
    },
    params: i8370c,
  };
}

const profileList: CostProfile[] = [
  {
    name: "client-128m",
    description: "Client / E3 part (Skylake-era) with the MEE and a 128 MB PRM: 23,936 pages (93.5 MiB) of EPC, 4 cores / 8 threads, ~3 GHz",
    platform: {
      epc: oneSection(23_936 * 4096, `${DEVICE_PLUGIN}; HotCalls (ISCA'17): "Entire EPC is 93 MB"`, "reported"),
      cpus: { value: 8, source: "assumed: 4 cores with hyper-threading, an i7-6700 / E3-1270 v5-class part (Graphene PR #1640 says only \"older Skylake system\")", kind: "assumed" },
    },
    params: client,
  },
  {
    name: "icelake-server",
    description: "2-socket 3rd-gen Xeon Scalable (Ice Lake SP), AES-XTS without an integrity tree, 8 GiB EPC per socket set in the BIOS, 64 CPUs, ~2.6 GHz; costs all assumed",
    platform: icelake2s(8 * GiB, "8 GB"),
    params: icelake,
  },
  {
    name: "icelake-server-64g",
    description: "The same 2-socket Ice Lake SP with 64 GiB EPC per socket set in the BIOS, 64 CPUs, ~2.6 GHz; costs all assumed",
    platform: icelake2s(64 * GiB, "64 GB"),
    params: icelake,
  },
  {
    name: "sapphire-rapids-server",
    description: "2-socket 4th-gen Xeon Scalable (Sapphire Rapids), AES-XTS without an integrity tree, 64 GiB EPC per socket, 128 CPUs, ~2.9 GHz; costs all assumed",
    platform: {
      epc: {
        sections: [
          { size: 64 * GiB, node: 0 },
          { size: 64 * GiB, node: 1 },
        ],
        numaNodes: 2,
        source:
          "assumed: 64 GiB per socket set in the BIOS, as on the Ice Lake server; Intel KB 000059614: 4th-gen Xeon Scalable SKUs support 512 GB or 128 GB of EPC (per-SKU limits on Intel ARK)",
        kind: "assumed",
      },
      cpus: { value: 128, source: "assumed: 2 sockets x 32 cores x 2 threads, a Xeon Platinum 8462Y+-class part (recalled, not verified)", kind: "assumed" },
    },
    params: spr,
  },
  azureV2("1s", 1, 28, 4),
  azureV2("2s", 2, 56, 8),
  azureV2("4s", 4, 112, 16),
  azureV2("8", 8, 168, 32),
  azureV3(1, 4, 8),
  azureV3(2, 8, 16),
  azureV3(4, 16, 32),
  azureV3(8, 32, 64),
  azureV3(16, 64, 128),
  azureV3(24, 128, 192),
  azureV3(32, 192, 256),
  azureV3(48, 256, 384),
];

export const costProfiles: Record<string, CostProfile> = Object.fromEntries(profileList.map((x) => [x.name, x]));

export const costProfileNames: readonly string[] = Object.keys(costProfiles);

const aliasOf: ReadonlyMap<string, string> = new Map(
  profileList.flatMap((x) => [x.name, ...(x.aliases ?? [])].map((a) => [a.toLowerCase(), x.name] as [string, string])),
);

/** the profile's own name for `name` or one of its aliases (case-insensitive), or undefined */
export function profileName(name: string): string | undefined {
  return aliasOf.get(name.toLowerCase());
}

function profileOrThrow(name: string): CostProfile {
  const canonical = profileName(name);
  const profile = canonical === undefined ? undefined : costProfiles[canonical];
  if (profile === undefined) throw new Error(`Unknown cost profile "${name}"; expected one of ${costProfileNames.join(", ")}.`);
  return profile;
}

/**
 * The costs of a profile in integer nanoseconds, with `overrides` (in each parameter's own unit:
 * cycles, ns or GHz) applied first. Cycles become ns at the (possibly overridden) clock,
 * Math.round(cycles / clockGhz), and at least 1 ns when non-zero. Throws for an unknown profile or
 * parameter, or a negative or non-finite value.
 */
export function resolveCosts(profileName: string, overrides: Record<string, number> = {}): Costs {
  const profile = profileOrThrow(profileName);
  const values = {} as Record<CostParamName, number>;
  for (const [k, v] of Object.entries(profile.params) as [CostParamName, CostParam][]) values[k] = v.value;
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(values, k)) throw new Error(`Unknown cost parameter "${k}"; expected one of ${Object.keys(values).join(", ")}.`);
    if (!Number.isFinite(v) || v < 0) throw new Error(`The cost parameter "${k}" must be a non-negative number, not ${v}.`);
    values[k as CostParamName] = v;
  }
  const ghz = values.clockGhz;
  if (!(ghz > 0)) throw new Error(`The cost parameter "clockGhz" must be positive, not ${ghz}.`);
  // integer ns; anything non-zero costs at least 1 ns, so no step of the simulation is free by rounding
  const ns = (x: number): number => (x === 0 ? 0 : Math.max(1, Math.round(x)));
  const toNs = (name: CostParamName): number => {
    const v = values[name];
    return profile.params[name].unit === "ns" ? ns(v) : ns(v / ghz);
  };
  const out: Record<string, unknown> = { profile: profile.name, clockGhz: ghz };
  for (const k of Object.keys(values) as CostParamName[]) {
    if (k === "clockGhz" || k === "ipiBase" || k === "ipiPerCpu") continue;
    out[k] = toNs(k);
  }
  const base = values.ipiBase;
  const per = values.ipiPerCpu;
  out.ipiNs = (cpus: number): number => ns((base + per * cpus) / ghz);
  // 30-odd keyed stores leave `out` in V8's dictionary mode, which makes every cost read on the hot
  // paths a hash lookup (about 4% of a thrashing run); the spread copy has fast properties
  return { ...out } as Costs;
}

/**
 * Cycles of one page swap as the engine charges it and the client calibration counts it: the fault
 * and reload, the eviction, and a sixteenth of one batch's ETRACK and overhead (one mm, no IPI).
 */
export function swapCycles(profileName: string): number {
  const v = (k: CostParamName): number => profileOrThrow(profileName).params[k].value;
  return (
    v("aex") + v("faultEntry") + v("eldu") + v("backingCopy") + v("eresume") + // the fault and reload
    v("ageScan") + v("pteZap") + v("eblock") + v("ewb") + v("backingCopy") + v("backingAlloc") + // the eviction
    v("etrack") / 16 + v("reclaimBatchOverhead") / 16 // a share of the batch
  );
}

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** a byte count as people write EPC sizes: whole GiB or MiB where exact, else pages */
export function formatEpcBytes(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${(bytes / MiB).toFixed(1)} MiB (${bytes / 4096} pages)`;
}

/** the platform a profile stands for */
export function profilePlatform(name: string): Platform {
  return profileOrThrow(name).platform;
}

function epcTotal(pl: Platform): number {
  return pl.epc.sections.reduce((n, s) => n + s.size, 0);
}

/** the columns of `epcsim profiles`: name, EPC, sections/NUMA, CPUs, clock, description */
export function profileRows(): string[][] {
  return costProfileNames.map((n) => {
    const pr = profileOrThrow(n);
    const pl = pr.platform;
    return [
      pr.name,
      formatEpcBytes(epcTotal(pl)),
      `${pl.epc.sections.length} section${pl.epc.sections.length === 1 ? "" : "s"} / ${pl.epc.numaNodes} node${pl.epc.numaNodes === 1 ? "" : "s"}`,
      `${pl.cpus.value} CPU${pl.cpus.value === 1 ? "" : "s"}`,
      `${pr.params.clockGhz.value} GHz`,
      pr.description,
    ];
  });
}

/** `epcsim profiles`: one aligned line per profile */
export function listProfiles(): string {
  const rows = [["name", "EPC", "sections/NUMA", "CPUs", "clock", "description"], ...profileRows()];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")).join("\n");
}

/** a Markdown table of one profile's platform and parameters with their provenance */
export function describeProfile(name: string): string {
  const profile = profileOrThrow(name);
  const pl = profile.platform;
  const sections = pl.epc.sections.map((x, i) => `section ${i}: ${formatEpcBytes(x.size)} on node ${x.node}`).join("; ");
  const rows = [
    `${profile.name}: ${profile.description}`,
    ...(profile.aliases === undefined ? [] : [`also named: ${profile.aliases.join(", ")}`]),
    "",
    "| platform | value | kind | source |",
    "|---|---|---|---|",
    `| EPC | ${formatEpcBytes(epcTotal(pl))}${epcTotal(pl) % MiB === 0 ? ` (${epcTotal(pl) / 4096} pages)` : ""}; ${sections}; ${pl.epc.numaNodes} NUMA node${pl.epc.numaNodes === 1 ? "" : "s"} | ${pl.epc.kind} | ${cell(pl.epc.source)} |`,
    `| CPUs | ${pl.cpus.value} | ${pl.cpus.kind} | ${cell(pl.cpus.source)} |`,
    `| clock | ${profile.params.clockGhz.value} GHz | ${profile.params.clockGhz.kind} | the clockGhz cost below |`,
    "",
    "A scenario's machine.epc, machine.sections, machine.numaNodes and machine.cpus override these.",
    "",
    "| name | value | unit | kind | source |",
    "|---|---|---|---|---|",
  ];
  for (const [k, v] of Object.entries(profile.params)) {
    const source = v.note === undefined ? v.source : `${v.source} (${v.note})`;
    rows.push(`| ${k} | ${v.value} | ${v.unit} | ${v.kind} | ${cell(source)} |`);
  }
  const swap = swapCycles(name);
  const anchored = profile.name === "client-128m";
  rows.push(
    "",
    `One page swap (AEX, fault entry, ELDU, backing copy, ERESUME; aging, PTE zap, EBLOCK, EWB, backing allocation and copy; ` +
      `a sixteenth of the batch's ETRACK and overhead) = ${swap.toFixed(0)} cycles` +
      (anchored
        ? `, ${((swap / SWAP_ANCHOR_CYCLES) * 100).toFixed(0)}% of the verified anchor: ${VAULT}. Only that sum is anchored; its split is ours.`
        : `; not anchored on this platform.`),
  );
  return rows.join("\n");
}
