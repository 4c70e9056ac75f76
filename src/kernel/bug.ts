// A kernel bug the driver would oops on, as a value kernel code throws.

/**
 * a kernel bug the driver would oops on (a NULL dereference, ...): thrown from kernel code, it ends
 * the run at once, as the oops ends the task, with nothing unwound
 */
export class KernelOops extends Error {
  constructor(
    /** the kernel function that faults */
    readonly fn: string,
    /** what goes wrong there */
    readonly what: string,
  ) {
    super(`kernel oops in ${fn}(): ${what}`);
    this.name = "KernelOops";
  }
}
