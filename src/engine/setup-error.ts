// A scenario whose time-zero cgroup writes the kernel refuses would run without the limit it asks
// for; that is bad input, reported in one line with what the kernel would have accepted.
import type { KernelGeneration } from "../kernel/config.js";

/** a refused time-zero write, as data, so that the scenario layer can add the spelling the kernel would take */
export interface RefusedWrite {
  source: string;
  kernel: KernelGeneration;
  path: string;
  file: string;
  value: string;
  errno: string;
}

export class ScenarioSetupError extends Error {
  override name = "ScenarioSetupError";
  constructor(
    message: string,
    readonly refused?: RefusedWrite,
  ) {
    super(message);
  }
}

/**
 * a well-formed sgx_epc limit that mainline refuses only because it has no sgx_epc resource: the
 * same file then runs under every generation (compare --kernel mainline,v17,v5), and the refused
 * write stays visible in the summary's file operations
 */
export function mainlineHasNoSgxEpc(kernel: KernelGeneration, file: string, value: string): boolean {
  return kernel === "mainline" && file === "misc.max" && /^\s*sgx_epc\s+(\d+|max)\s*$/.test(value);
}

/**
 * the one line for a refused time-zero write; `hint` (from the scenario layer, which knows the
 * spellings) says what the kernel would take
 */
export function refusedWriteMessage(source: string, kernel: KernelGeneration, path: string, file: string, value: string, errno: string, hint = ""): string {
  const why = kernel === "mainline" && file === "misc.max" ? "; mainline has no sgx_epc resource (use kernel: v17 or v5)" : hint;
  return `${source}: cgroups["${path}"]["${file}"]: the kernel refuses the write ${JSON.stringify(value)} with ${errno}${why}; an entry that means to show this failure says expect: ${errno}.`;
}
