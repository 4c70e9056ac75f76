// The field paths of `--set PATH=VALUE`: dotted keys (policy.oomVictim), list items by index
// (processes[2].memory) and bracketed keys for names that hold dots or slashes
// (cgroups["/a"]["misc.max"], or with single quotes, cgroups['/a']['misc.max']).
import { quote } from "./quote.js";

export type FieldPath = (string | number)[];

export interface SetArgument {
  path: FieldPath;
  /** the text after the "=" */
  value: string;
}

const EXAMPLES = 'such as policy.oomVictim, processes[2].memory or cgroups["/a"]["misc.max"]';

/** a plain key runs up to the next ".", "[", "=" or space */
const PLAIN = /^[^.[\]="'\s]+/u;
/** keys printed without brackets */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/u;

/**
 * splits `PATH=VALUE`; the path ends at the first "=" outside brackets. Throws an Error whose
 * message says what was expected, at which character.
 */
export function parseSetArgument(arg: string): SetArgument {
  const path: FieldPath = [];
  let i = 0;
  const fail = (what: string): Error => new Error(`expected ${what} at character ${i + 1} of ${quote(arg)} (a field path ${EXAMPLES}, then =VALUE)`);
  for (;;) {
    const c = arg[i];
    if (c === "[") {
      const rest = arg.slice(i + 1);
      const index = /^(\d+)\]/u.exec(rest);
      const double = /^("(?:[^"\\]|\\.)*")\]/u.exec(rest);
      const single = /^'([^']*)'\]/u.exec(rest);
      if (index !== null) {
        path.push(Number(index[1]));
        i += 1 + index[0].length;
      } else if (double !== null) {
        let key: unknown;
        try {
          key = JSON.parse(double[1] as string);
        } catch {
          throw fail('a key in double quotes with JSON escapes, such as ["misc.max"]');
        }
        path.push(key as string);
        i += 1 + double[0].length;
      } else if (single !== null) {
        path.push(single[1] as string);
        i += 1 + single[0].length;
      } else throw fail('a list index or a quoted key inside [ ], such as [2] or ["/a"]');
    } else {
      if (path.length > 0) {
        if (c !== ".") throw fail('".", "[" or "="');
        i++;
      }
      const key = PLAIN.exec(arg.slice(i));
      if (key === null) throw fail('a key (use ["..."] for one with dots, slashes or spaces)');
      path.push(key[0]);
      i += key[0].length;
    }
    if (arg[i] === "=") return { path, value: arg.slice(i + 1) };
    if (i >= arg.length) throw fail("=VALUE");
  }
}

/** the path as the loader's messages write it: policy.oomVictim, processes[2], cgroups["/a"]["misc.max"] */
export function formatFieldPath(path: FieldPath): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else if (!NAME.test(p)) out += `[${quote(p)}]`;
    else out += out === "" ? p : `.${p}`;
  }
  return out === "" ? "(top level)" : out;
}
