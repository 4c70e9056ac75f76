// A full garbage collection between two variants of compare or selftest. V8 sizes its heap after
// the last major collection, which ran while the previous variant's recording was still live, so the
// next variant would grow the heap on top of that garbage: measured on a 3-variant compare of a
// 1.6 M-event run, 524 MB peak RSS without this and 365 MB with it (one run alone: 330 MB).
// `gc` is exposed at run time the way jest-leak-detector does it (v8 flag, then a fresh context).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null = null;

export function collectGarbage(): void {
  if (gc === null) {
    setFlagsFromString("--expose-gc");
    gc = runInNewContext("gc") as () => void;
  }
  gc();
}
