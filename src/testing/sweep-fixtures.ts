import type { Runner } from "../sweep/sweep.js";
import { runVariant } from "../sweep/run-variant.js";
/** one or more processes in /a on a 2 MiB EPC, /a limited to 1 MiB */
const inA = (kernel: string, seed: number, replicas: number, size: string, set: string, count: number): string => `kernel: ${kernel}
seed: ${seed}
machine: { epc: 2MiB, cpus: 2 }
cgroups:
  /a: { misc.max: "sgx_epc 1048576" }
processes:
  - name: p
    cgroup: /a
    replicas: ${replicas}
    program:
      enclave: { size: ${size}, add: ${set}, measure: false }
      access: { pattern: uniform, pages: ${set}, count: ${count} }
`;

/** v17, one process whose 1 MiB working set pages once /a's limit is below it */
export const SMALL_BASE = inA("v17", 3, 1, "4MiB", "1MiB", 400);

/** v5, two enclaves in /a: limits from 32 KiB to 80 KiB end in an EPC OOM kill, smaller ones in ENOMEM */
export const TINY_V5 = inA("v5", 2, 2, "1MiB", "128KiB", 300);

/** a Runner that runs each variant in this thread, and counts the runs */
export function inlineRunner(): Runner & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    run: (task) => {
      ran.push(task.id);
      return Promise.resolve(runVariant(task));
    },
    close: () => Promise.resolve(),
  };
}

/** SMALL_BASE with 50 times the accesses: a run lasts long enough (about half a second) to be killed in the middle */
export const SLOWER_BASE = inA("v17", 3, 1, "4MiB", "1MiB", 20000);
