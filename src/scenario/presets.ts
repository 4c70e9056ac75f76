// Workload presets: programs that stand for well-known real workloads.
import type { Step } from "./types.js";

const PAGE = 4096;

/**
 * The kernel selftest's `test_sgx -t unclobbered_vdso_oversubscribed` (tools/testing/selftests/sgx):
 * an enclave with 2 TCS, 4 code and 4 data pages and a heap as large as the whole EPC, built with
 * ADD_PAGES (the heap unmeasured), initialized, entered twice ("put" and "get" a value), then exited.
 */
export function presetTestSgxOversubscribed(totalEpcBytes: number): Step[] {
  const binary = 10 * PAGE;
  let size = PAGE;
  while (size < binary + totalEpcBytes) size *= 2;
  const data = 6 * PAGE;
  return [
    { op: "create", size, debug: false },
    { op: "addPages", offset: 0, length: 2 * PAGE, type: "TCS", perm: 0, measure: true, chunk: 2 * PAGE },
    { op: "addPages", offset: 2 * PAGE, length: 4 * PAGE, type: "REG", perm: 5, measure: true, chunk: 4 * PAGE },
    { op: "addPages", offset: data, length: 4 * PAGE, type: "REG", perm: 3, measure: true, chunk: 4 * PAGE },
    { op: "addPages", offset: binary, length: totalEpcBytes, type: "REG", perm: 3, measure: false, chunk: Math.max(totalEpcBytes, PAGE) },
    { op: "init" },
    { op: "mmap" },
    { op: "ecall", touches: [data] },
    { op: "ecall", touches: [data] },
    { op: "exit", code: 0 },
  ];
}
