// Scenarios of issue 10 that a test and the bench both run (conformance K1, K1b, K2 and K9 hold
// the same ones as case files).

/** four threads fault at a 4 MiB v17 limit: the cgroup's one work item reclaims while they retry */
export const FOUR_FAULTERS_V17 = `
kernel: v17
seed: 1
machine: { epc: 64MiB, cpus: 8 }
cgroups:
  /t: { misc.max: "sgx_epc 4194304" }
processes:
  - name: p
    cgroup: /t
    program:
      enclave: { size: 16MiB, add: 3MiB, measure: false, tcs: 4 }
      threads: 4
      access: { phases: [ { grow: 4MiB }, { pattern: uniform, offset: 0, pages: 7MiB, count: 3000, think: 100ns } ] }
`;

/** one thread thrashing a 12 MiB working set in an 8 MiB EPC on one CPU (set machine.cpus to vary) */
export const ONE_THREAD_THRASHING = `
seed: 1
machine: { epc: 8MiB, cpus: 1 }
processes:
  - name: t
    program:
      enclave: { size: 16MiB, add: 12MiB, measure: false }
      access: { pattern: uniform, pages: 12MiB, count: 20000 }
`;
