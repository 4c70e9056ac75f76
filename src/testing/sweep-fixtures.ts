// A small base scenario for the sweep and advise tests: one process in /a on a 2 MiB EPC, whose
// 1 MiB working set pages once /a's limit is below it.
export const SMALL_BASE = `kernel: v17
seed: 3
machine: { epc: 2MiB, cpus: 2 }
cgroups:
  /a: { misc.max: "sgx_epc 1048576" }
processes:
  - name: p
    cgroup: /a
    program:
      enclave: { size: 4MiB, add: 1MiB, measure: false }
      access: { pattern: uniform, pages: 1MiB, count: 400 }
`;
