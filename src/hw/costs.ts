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
  kind: "measured" | "derived" | "assumed";
  note?: string;
}

export interface CostProfile {
  name: string;
  description: string;
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

const VAULT = "VAULT (Taassori et al., ASPLOS'18): an EPC page swap costs about 40K cycles";
const HOTCALLS = "HotCalls (Weisse et al., ISCA'17): an ECALL round trip costs about 8,200 cycles warm";
const SWAP_SPLIT = `our split of ${VAULT} (fault + reload + eviction); only the sum is anchored`;
const ASSUMED = "no public measurement found; an order-of-magnitude estimate";

const p = (value: number, unit: CostParam["unit"], kind: CostParam["kind"], source: string, note?: string): CostParam =>
  note === undefined ? { value, unit, kind, source } : { value, unit, kind, source, note };

const client: Record<CostParamName, CostParam> = {
  clockGhz: p(3.0, "GHz", "assumed", "typical Skylake/Coffee Lake client clock"),
  ecreate: p(30_000, "cycles", "assumed", ASSUMED, "initialises a SECS; comparable to an EADD plus bookkeeping"),
  eadd: p(10_000, "cycles", "assumed", ASSUMED, "copies and encrypts one page into the EPC, like half a swap"),
  eextend: p(1_000, "cycles", "assumed", ASSUMED, "SHA-256 over 256 bytes; 16 per measured page"),
  einit: p(60_000, "cycles", "derived", 'kernel ioctl.c comment: EINIT has "50k+ cycles" latency on success'),
  eremove: p(4_000, "cycles", "derived", "commit 'Silence softlockup detection when releasing large enclaves': ~1.8 µs per page including bookkeeping at ~2.5 GHz"),
  epa: p(5_000, "cycles", "assumed", ASSUMED),
  eblock: p(1_000, "cycles", "derived", SWAP_SPLIT),
  etrack: p(4_000, "cycles", "derived", SWAP_SPLIT, "shared by the pages of one enclave in a batch"),
  ewb: p(13_000, "cycles", "derived", SWAP_SPLIT, "encrypts, MACs and writes one page out"),
  eldu: p(12_000, "cycles", "derived", SWAP_SPLIT, "decrypts and verifies one page"),
  eaug: p(8_000, "cycles", "assumed", ASSUMED, "zeroes a page; no copy in"),
  emodpr: p(3_000, "cycles", "assumed", ASSUMED),
  emodt: p(3_000, "cycles", "assumed", ASSUMED),
  eaccept: p(3_000, "cycles", "assumed", ASSUMED),
  eenter: p(4_100, "cycles", "derived", HOTCALLS, "half of the round trip"),
  eexit: p(4_100, "cycles", "derived", HOTCALLS, "half of the round trip"),
  aex: p(2_000, "cycles", "derived", SWAP_SPLIT),
  eresume: p(2_000, "cycles", "derived", SWAP_SPLIT),
  faultEntry: p(3_000, "cycles", "derived", SWAP_SPLIT, "#PF entry, sgx_vma_fault() and return, without ENCLS"),
  ipiBase: p(4_000, "cycles", "assumed", ASSUMED, "Christopherson (LKML 2020-09-29) calls the IPIs painful but gives no number"),
  ipiPerCpu: p(1_500, "cycles", "assumed", ASSUMED),
  pteZap: p(500, "cycles", "derived", SWAP_SPLIT),
  ageScan: p(200, "cycles", "derived", SWAP_SPLIT),
  backingAlloc: p(1_000, "cycles", "derived", SWAP_SPLIT, "shmem lookup or allocation of the contents and PCMD pages"),
  backingCopy: p(1_500, "cycles", "derived", SWAP_SPLIT, "4 KiB of ciphertext to or from shmem"),
  memoryAccess: p(100, "cycles", "assumed", ASSUMED, "average enclave load/store with MEE overhead"),
  ioctlEntry: p(1_000, "cycles", "assumed", "HotCalls quotes ~150 cycles for a bare syscall; plus copying the argument"),
  mmapCall: p(5_000, "cycles", "assumed", ASSUMED),
  ksgxdWake: p(20_000, "ns", "assumed", ASSUMED, "wake_up() to ksgxd running"),
  reclaimBatchOverhead: p(16_000, "cycles", "derived", SWAP_SPLIT, "locks and list work per batch of 16"),
  sha256Modulus: p(20_000, "cycles", "assumed", ASSUMED),
};

/** a profile derived from another with some values replaced, all marked assumed */
function variant(base: Record<CostParamName, CostParam>, why: string, changes: Partial<Record<CostParamName, number>>): Record<CostParamName, CostParam> {
  const out = { ...base };
  for (const [k, v] of Object.entries(changes) as [CostParamName, number][]) {
    out[k] = { ...base[k], value: v, kind: "assumed", source: why };
  }
  return out;
}

const ICELAKE = "assumed: 3rd-gen Xeon SP encrypts with AES-XTS (TME-MK) and has no integrity tree, so paging and memory are cheaper than on MEE parts";
const icelake = variant(client, ICELAKE, {
  clockGhz: 2.6,
  eadd: 8_000,
  ewb: 9_000,
  eldu: 8_500,
  eaug: 6_000,
  memoryAccess: 60,
  ipiPerCpu: 1_200,
});

const SPR = "assumed: Sapphire Rapids behaves like Ice Lake SP at a slightly higher clock";
const spr = variant(icelake, SPR, { clockGhz: 2.9, ewb: 8_500, eldu: 8_000 });

export const costProfiles: Record<string, CostProfile> = {
  "client-128m": {
    name: "client-128m",
    description: "Client / E3 part with the MEE and a 128 MB PRM (about 93 MiB of usable EPC), ~3 GHz",
    params: client,
  },
  "icelake-server": {
    name: "icelake-server",
    description: "3rd-gen Xeon Scalable (Ice Lake SP), up to 512 GiB EPC per socket, ~2.6 GHz",
    params: icelake,
  },
  "sapphire-rapids-server": {
    name: "sapphire-rapids-server",
    description: "4th-gen Xeon Scalable (Sapphire Rapids), ~2.9 GHz",
    params: spr,
  },
};

export const costProfileNames: readonly string[] = Object.keys(costProfiles);

function profileOrThrow(name: string): CostProfile {
  const profile = costProfiles[name];
  if (profile === undefined) throw new Error(`Unknown cost profile "${name}"; expected one of ${costProfileNames.join(", ")}.`);
  return profile;
}

export function resolveCosts(profileName: string, overrides: Record<string, number> = {}): Costs {
  const profile = profileOrThrow(profileName);
  const values = {} as Record<CostParamName, number>;
  for (const [k, v] of Object.entries(profile.params) as [CostParamName, CostParam][]) values[k] = v.value;
  for (const [k, v] of Object.entries(overrides)) {
    if (!(k in values)) throw new Error(`Unknown cost parameter "${k}"; expected one of ${Object.keys(values).join(", ")}.`);
    if (!Number.isFinite(v) || v < 0) throw new Error(`The cost parameter "${k}" must be a non-negative number, not ${v}.`);
    values[k as CostParamName] = v;
  }
  const ghz = values.clockGhz;
  if (!(ghz > 0)) throw new Error(`The cost parameter "clockGhz" must be positive, not ${ghz}.`);
  const toNs = (name: CostParamName): number => {
    const v = values[name];
    if (profile.params[name].unit === "ns") return Math.round(v);
    return v === 0 ? 0 : Math.max(1, Math.round(v / ghz));
  };
  const out: Record<string, unknown> = { profile: profile.name, clockGhz: ghz };
  for (const k of Object.keys(values) as CostParamName[]) {
    if (k === "clockGhz" || k === "ipiBase" || k === "ipiPerCpu") continue;
    out[k] = toNs(k);
  }
  const base = values.ipiBase;
  const per = values.ipiPerCpu;
  out.ipiNs = (cpus: number): number => Math.max(1, Math.round((base + per * cpus) / ghz));
  return out as Costs;
}

/** cycles of one page swap as the client calibration counts it */
export function swapCycles(profileName: string): number {
  const v = (k: CostParamName): number => profileOrThrow(profileName).params[k].value;
  return (
    v("aex") + v("faultEntry") + v("eldu") + v("backingCopy") + v("eresume") + // the fault and reload
    v("ageScan") + v("pteZap") + v("eblock") + v("ewb") + v("backingCopy") + v("backingAlloc") + // the eviction
    v("etrack") / 16 + v("reclaimBatchOverhead") / 16 // a share of the batch
  );
}

/** a Markdown table of one profile's parameters with their provenance */
export function describeProfile(name: string): string {
  const profile = profileOrThrow(name);
  const rows = [`${profile.name}: ${profile.description}`, "", "| parameter | value | unit | kind | source |", "|---|---|---|---|---|"];
  for (const [k, v] of Object.entries(profile.params)) {
    const source = v.note === undefined ? v.source : `${v.source} (${v.note})`;
    rows.push(`| ${k} | ${v.value} | ${v.unit} | ${v.kind} | ${source} |`);
  }
  rows.push("", `One page swap (fault, ELDU, eviction and its share of the batch) = ${swapCycles(name).toFixed(0)} cycles.`);
  return rows.join("\n");
}
