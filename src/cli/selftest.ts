// `epcsim selftest`: the EPC cgroup series' own selftest (tools/testing/selftests/sgx/
// run_epc_cg_selftests.sh), its phases run as simulations, reported in kselftest TAP form.
// The final script (v13-v17) and the v5 one differ in their phases (spec kernel-epc-cgroup.md 6.3, 6.7).
import { createSimulator } from "../programs/run.js";
import type { SimSummary } from "../engine/summary.js";
import { Rng } from "../lib/random.js";
import { parseScenarioText } from "../scenario/load.js";
import type { KernelGeneration, Scenario } from "../scenario/types.js";

export interface SelftestOptions {
  kernel: KernelGeneration;
  script: "v5" | "final";
  capacityBytes: number;
  cpus: number;
  seed: number;
  profile: string;
  /** how a phase's scenario is simulated (default: plainly); `--out` records each phase */
  simulatePhase?: (scenario: Scenario, yaml: string, phase: number) => SimSummary;
}

export interface SelftestInstance {
  name: string;
  exitCode: number | null;
  signal: string | null;
  errno: string | null;
}

export interface SelftestPhase {
  number: number;
  title: string;
  ok: boolean;
  /** a failed phase that does not fail the script (the leakage check) */
  fatal: boolean;
  instances: SelftestInstance[];
  simulatedNs: number;
  cgroup: string;
  miscCurrent: string;
  miscEvents: string;
  diagnostics: string[];
  summary: SimSummary | null;
}

export interface SelftestResult {
  tap: string;
  /** 0 every phase met its expectation, 1 one did not, 4 skipped (the script's own codes) */
  exitCode: 0 | 1 | 4;
  phases: SelftestPhase[];
  skipped: string | null;
}

const ROOT = "/sgx_kselftest";

interface PhaseSpec {
  title: string;
  cgroup: string;
  replicas: number;
  expect: "fail" | "any-success" | "any-failure" | "all-success" | "all-but-killed-success" | "none-success";
  failText: string;
  memoryMax?: number;
  killAtNs?: number;
  killIndex?: number;
}

function tree(o: SelftestOptions, phase: PhaseSpec): { yaml: string; small: number; large: number } {
  const small = Math.floor(o.capacityBytes / 512);
  const large = 4 * small;
  const v5 = o.script === "v5";
  // v5 script: selftest/{test1 (SMALL), test2 (LARGE), test1/test3, test4 (LARGER)}
  const cg = v5
    ? {
        smallParent: `${ROOT}/test1`,
        small: `${ROOT}/test1/test3`,
        large: `${ROOT}/test2`,
        larger: `${ROOT}/test4`,
      }
    : {
        smallParent: `${ROOT}/sgx_test_small_parent`,
        small: `${ROOT}/sgx_test_small_parent/sgx_test_small`,
        large: `${ROOT}/sgx_test_large`,
        larger: `${ROOT}/sgx_test_larger`,
      };
  const path = cg[phase.cgroup as keyof typeof cg];
  const memory = phase.memoryMax === undefined ? "" : `, memory.max: "${phase.memoryMax}"`;
  const lines = [
    `kernel: ${o.kernel}`,
    `seed: ${o.seed}`,
    `machine: { epc: ${o.capacityBytes}, cpus: ${o.cpus}, profile: ${o.profile} }`,
    "cgroups:",
    `  ${ROOT}: { cgroup.subtree_control: "+misc +memory" }`,
    `  ${cg.smallParent}: { misc.max: "sgx_epc ${small}" }`,
    `  ${cg.small}: null`,
    `  ${cg.large}: { misc.max: "sgx_epc ${large}"${phase.cgroup === "large" ? memory : ""} }`,
    `  ${cg.larger}: { misc.max: "sgx_epc ${o.capacityBytes}" }`,
    "processes:",
    `  - { name: test_sgx, replicas: ${phase.replicas}, cgroup: ${path}, program: { preset: test_sgx_oversubscribed } }`,
  ];
  if (phase.killAtNs !== undefined) {
    const who = phase.replicas === 1 ? "test_sgx" : `test_sgx[${phase.killIndex ?? 0}]`;
    lines.push("events:", `  - { at: ${phase.killAtNs}ns, kill: "${who}", signal: SIGTERM }`);
  }
  return { yaml: `${lines.join("\n")}\n`, small, large };
}

function phases(o: SelftestOptions, rng: Rng): PhaseSpec[] {
  const large = 4 * Math.floor(o.capacityBytes / 512);
  const list: PhaseSpec[] = [
    { title: "small EPC limit test", cgroup: "small", replicas: 1, expect: "fail", failText: "Fail on small EPC limit, not expecting any test passes." },
    { title: "large EPC limit positive testing", cgroup: "large", replicas: 4, expect: "any-success", failText: "Failed on large EPC limit positive testing, no test passes." },
    { title: "large EPC limit negative testing", cgroup: "large", replicas: 5, expect: "any-failure", failText: "Failed on large EPC limit negative testing, no test fails." },
    {
      title: "larger EPC limit tests",
      cgroup: "larger",
      replicas: o.script === "v5" ? 10 : 8,
      expect: "all-success",
      failText: "Failed on larger EPC limit, at least one test fails.",
    },
  ];
  if (o.script === "final") {
    // sleep $((random % 5 + 1)) seconds, then kill one of the 8 chosen at random
    const killAtNs = (1 + rng.int(5)) * 1_000_000_000;
    list.push({
      title: "larger EPC limit test with a process randomly killed",
      cgroup: "larger",
      replicas: 8,
      expect: "all-but-killed-success",
      failText: "Failed on random killing, at least one test fails.",
      killAtNs,
      killIndex: rng.int(8),
    });
    list.push({
      title: "large EPC limit tests with memcontrol",
      cgroup: "large",
      replicas: 4,
      expect: "none-success",
      failText: "Failed on tests with memcontrol, some tests did not fail.",
      memoryMax: o.capacityBytes - 2 * large,
    });
  }
  return list;
}

function meets(expect: PhaseSpec["expect"], codes: (number | null)[], killed: number | undefined): boolean {
  const ok = (c: number | null) => c === 0;
  switch (expect) {
    case "fail":
      return codes.every((c) => !ok(c));
    case "any-success":
      return codes.some(ok);
    case "any-failure":
      return codes.some((c) => !ok(c));
    case "all-success":
      return codes.every(ok);
    case "all-but-killed-success":
      return codes.every((c, i) => i === killed || ok(c));
    case "none-success":
      return !codes.some(ok);
  }
}

function formatMs(ns: number): string {
  return `${(ns / 1e6).toFixed(3)} ms`;
}

/** runs the script generation's phases; stops at the first failed phase, as the script does */
export function runSelftest(o: SelftestOptions): SelftestResult {
  const out: string[] = ["TAP version 13"];
  if (o.kernel === "mainline") {
    // writing sgx_epc limits fails: "SKIP: Kernel does not support SGX cgroup."
    out.push("1..0 # SKIP Kernel does not support SGX cgroup.");
    return { tap: `${out.join("\n")}\n`, exitCode: 4, phases: [], skipped: "Kernel does not support SGX cgroup." };
  }
  const rng = Rng.fromSeed(o.seed);
  const specs = phases(o, rng);
  const planned = specs.length + (o.script === "final" ? 1 : 0);
  out.push(`1..${planned}`);
  const small = Math.floor(o.capacityBytes / 512);
  out.push(`# capacity ${o.capacityBytes} bytes: SMALL ${small}, LARGE ${4 * small}, LARGER ${o.capacityBytes}; kernel ${o.kernel}, ${o.script} script, ${o.cpus} CPUs, seed ${o.seed}`);
  const results: SelftestPhase[] = [];
  let exitCode: 0 | 1 = 0;
  let leak = 0;
  for (const [i, spec] of specs.entries()) {
    const { yaml } = tree(o, spec);
    const scenario = parseScenarioText(yaml, `selftest phase ${i + 1}`);
    const summary = o.simulatePhase?.(scenario, yaml, i + 1) ?? createSimulator(scenario).run();
    const cgPath = scenario.processes[0]?.cgroup ?? "/";
    const cg = summary.cgroups[cgPath];
    const instances = summary.processes.map((p) => ({ name: p.name, exitCode: p.exitCode, signal: p.signal, errno: p.error?.errno ?? null }));
    const ok = meets(spec.expect, instances.map((p) => p.exitCode), spec.killIndex);
    const diagnostics = instances.map(
      (p) => `${p.name}: exit ${p.exitCode}${p.signal === null ? "" : ` (${p.signal})`}${p.errno === null ? "" : `, ${p.errno}`}`,
    );
    if (spec.killAtNs !== undefined) diagnostics.unshift(`killed test_sgx[${spec.killIndex}] with SIGTERM at ${formatMs(spec.killAtNs)}`);
    for (const k of summary.memcgOomKills) diagnostics.push(`memcg OOM killed ${k.victim} at ${formatMs(k.atNs)}`);
    for (const k of summary.oom) diagnostics.push(`EPC OOM took the EPC of ${k.victim} at ${formatMs(k.at)}`);
    const phase: SelftestPhase = {
      number: i + 1,
      title: spec.title,
      ok,
      fatal: true,
      instances,
      simulatedNs: summary.simulatedNs,
      cgroup: cgPath,
      miscCurrent: cg?.files["misc.current"] ?? "",
      miscEvents: cg?.files["misc.events"] ?? "",
      diagnostics,
      summary,
    };
    results.push(phase);
    leak += summary.cgroups[ROOT]?.current ?? 0;
    out.push(`# ${spec.title}: ${spec.replicas} x test_sgx -t unclobbered_vdso_oversubscribed in ${cgPath}`);
    for (const d of diagnostics) out.push(`# ${d}`);
    out.push(`# ${cgPath}/misc.current: ${phase.miscCurrent.trim()}; misc.events: ${phase.miscEvents.trim()}; simulated ${formatMs(summary.simulatedNs)}`);
    out.push(`${ok ? "ok" : "not ok"} ${i + 1} ${spec.title}`);
    if (!ok) {
      out.push(`# FAIL: ${spec.failText}`);
      exitCode = 1;
      break;
    }
  }
  if (exitCode === 0 && o.script === "final") {
    // sleep 2; the usage of the test root must be back to 0 (printed, never fatal)
    const ok = leak === 0;
    results.push({
      number: planned,
      title: "leakage check",
      ok,
      fatal: false,
      instances: [],
      simulatedNs: 0,
      cgroup: ROOT,
      miscCurrent: `sgx_epc ${leak}\n`,
      miscEvents: "",
      diagnostics: [],
      summary: null,
    });
    out.push(`# ${ROOT}/misc.current: sgx_epc ${leak}`);
    out.push(ok ? `ok ${planned} leakage check` : `not ok ${planned} leakage check # Final usage is ${leak}, not 0 (not fatal)`);
  }
  out.push(exitCode === 0 ? "# PASS: ALL cgroup limit tests" : "# Done SGX cgroup tests.");
  return { tap: `${out.join("\n")}\n`, exitCode, phases: results, skipped: null };
}
