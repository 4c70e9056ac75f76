// Hints for a refused time-zero cgroup write: the spelling the kernel would have taken.
import { parseSize } from "./units.js";

/**
 * what the kernel would take for what a refused time-zero write seems to mean, as a hint for its
 * error line (engine/setup-error.ts); "" when there is none
 */
export function writeHint(file: string, value: string): string {
  if (file === "misc.max") {
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
