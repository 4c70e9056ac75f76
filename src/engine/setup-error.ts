// A scenario whose time-zero cgroup writes the kernel refuses would run without the limit it asks
// for; that is bad input, reported in one line with what the kernel would have accepted.
import { parseSize } from "../scenario/units.js";
import type { KernelGeneration } from "../scenario/types.js";

export class ScenarioSetupError extends Error {
  override name = "ScenarioSetupError";
}

/** the value the kernel would take for what `value` seems to mean, as a hint; "" when there is none */
function hint(kernel: KernelGeneration, file: string, value: string): string {
  if (file === "misc.max") {
    if (kernel === "mainline") return "; mainline has no sgx_epc resource (use kernel: v17 or v5)";
    const m = /^\s*(?:sgx_epc\s+)?(\S+)\s*$/.exec(value);
    const bytes = m === null ? null : parseSize(m[1] as string);
    if (typeof bytes === "number") return `; write "sgx_epc ${bytes}" (misc.max takes "sgx_epc BYTES" or "sgx_epc max")`;
    return '; misc.max takes "sgx_epc BYTES" or "sgx_epc max"';
  }
  if (file === "memory.max") {
    const bytes = parseSize(value.trim());
    if (typeof bytes === "number") return `; write "${bytes}" (memory.max takes bytes with an optional K, M or G, or "max")`;
    return '; memory.max takes bytes with an optional K, M or G suffix, or "max"';
  }
  return "";
}

/**
 * a well-formed sgx_epc limit that mainline refuses only because it has no sgx_epc resource: the
 * same file then runs under every generation (compare --kernel mainline,v17,v5), and the refused
 * write stays visible in the summary's file operations
 */
export function mainlineHasNoSgxEpc(kernel: KernelGeneration, file: string, value: string): boolean {
  return kernel === "mainline" && file === "misc.max" && /^\s*sgx_epc\s+(\d+|max)\s*$/.test(value);
}

export function refusedWriteMessage(source: string, kernel: KernelGeneration, path: string, file: string, value: string, errno: string): string {
  return `${source}: cgroups["${path}"]["${file}"]: the kernel refuses the write ${JSON.stringify(value)} with ${errno}${hint(kernel, file, value)}; an entry that means to show this failure says expect: ${errno}.`;
}
