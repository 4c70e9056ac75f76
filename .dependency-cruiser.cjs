// The layers of epcsim, enforced by `npm test` (test/layers.test.ts runs depcruise with this file).
// This file is the documentation of the layers; docs/architecture.md draws them from it.
//
// Lowest first; a layer imports only the layers to its left; a [group] is siblings that do not
// import each other:
//   lib        generic data structures, no SGX in them (lists, id pools, sparse arrays, the PRNG,
//              the event queue, errno)
//   hw         the EPCM, ENCLS leaves, architectural constants, cost profiles, the machine
//   cgroup     the misc controller, memcg, the cgroup file system
//   trace      trace files: the readers (oracleGeneral, CSV, text, zstd) and the bench's generator;
//              file I/O, so outside the core: only scenario, report and cli import it (a rule below)
//   kernel     one file per kernel file (main.c, encl.c, ioctl.c, driver.c, virt.c, epc_cgroup.c)
//   engine     the simulator: loop, CPUs, kernel threads, tasks, observer, invariants, summary
//   programs   what simulated processes run: steps, access phases, SGX2, guests
//   scenario   parse, validate, lower the YAML/JSON surface;   report: the --out files and charts
//   k8s        Kubernetes manifests (a node, pods) lowered into a scenario: admission, scheduling, the
//              kubelet's cgroups, restarts; file I/O, above scenario and report
//   sweep      grids of variants, the worker pool, the queue, the results files, the limit advisor
//              (a node file is a sweep's base too, so sweep is above k8s)
//   web        the dashboard's server (`epcsim serve`): routes, jobs, streams; its worker thread is
//              a command, in cli, which hands web its URL
//   cli        the commands
const LAYERS = ["lib", ["hw", "cgroup", "trace"], "kernel", "engine", "programs", ["scenario", "report"], "k8s", "sweep", "web", "cli"];
const ranks = LAYERS.map((l) => (Array.isArray(l) ? l : [l]));
const all = ranks.flat();

const layerRules = ranks.flatMap((group, i) =>
  group.map((layer) => {
    const allowed = ranks.slice(0, i).flat();
    return {
      name: `${layer}-imports-only-lower-layers`,
      comment: `src/${layer} may import only ${allowed.length > 0 ? allowed.map((l) => `src/${l}`).join(", ") : "nothing of ours"} (and itself).`,
      severity: "error",
      from: { path: `^src/${layer}/`, pathNot: "\\.test\\.ts$" },
      to: { path: `^src/(${all.filter((l) => l !== layer && !allowed.includes(l)).join("|")}|testing)/` },
    };
  }),
);

module.exports = {
  forbidden: [
    {
      name: "no-circular-across-folders",
      severity: "error",
      comment: "A cycle between two folders means a layer is in the wrong place: move the shared piece down.",
      from: { path: "^src/([^/]+)/" },
      to: { circular: true, pathNot: "^src/$1/" },
    },
    { name: "not-to-unresolvable", severity: "error", comment: "Every import resolves to a file.", from: {}, to: { couldNotResolve: true } },
    ...layerRules,
    {
      name: "deterministic-core-no-io",
      severity: "error",
      comment: "The core (lib to programs) has no I/O, clock or timers: same input and seed, same output.",
      from: { path: "^src/(lib|hw|cgroup|kernel|engine|programs)/", pathNot: "\\.test\\.ts$" },
      to: { dependencyTypes: ["core"] },
    },
    {
      name: "core-not-trace",
      severity: "error",
      comment: "The core (lib to programs) gets a trace as typed arrays, never reads one: src/trace does file I/O.",
      from: { path: "^src/(lib|hw|cgroup|kernel|engine|programs)/", pathNot: "\\.test\\.ts$" },
      to: { path: "^src/trace/" },
    },
    {
      name: "core-npm-deps-only-in-lib",
      severity: "error",
      comment: "Of the npm packages, the core uses only pure-rand, and only in lib/random.ts.",
      from: { path: "^src/(lib|hw|cgroup|kernel|engine|programs)/", pathNot: "^src/lib/random\\.ts$|\\.test\\.ts$" },
      to: { dependencyTypes: ["npm", "npm-dev"] },
    },
    {
      name: "testing-only-from-tests",
      severity: "error",
      comment: "src/testing/ (builders, harnesses, the fuzz model) serves tests, bench and scripts only.",
      from: { path: "^src/", pathNot: "\\.test\\.ts$|^src/testing/" },
      to: { path: "^src/testing/|\\.test\\.ts$|^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^dist/" },
    // without it every `import type` edge disappears, and type-only cycles with it
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { extensions: [".ts", ".js"], exportsFields: ["exports"], conditionNames: ["import", "node", "default"] },
  },
};
