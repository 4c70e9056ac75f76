// What a scenario file must be before it is parsed: UTF-8 text of printable characters (as YAML 1.2
// requires, and JSON outside its escapes), and a .json file strict JSON. Each check returns where the
// file first goes wrong, so that a binary file or a JSON file with a trailing comma is one line.

export interface TextProblem {
  /** index into the decoded text */
  offset: number;
  message: string;
}

/** the file's bytes as text, or where they stop being UTF-8 */
export function decodeUtf8(bytes: Uint8Array): { text: string } | TextProblem {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  for (let from = 0; ; ) {
    const bad = text.indexOf("\ufffd", from);
    if (bad < 0) return { text };
    // the text before the first replacement decodes byte for byte, so its length in UTF-8 is where it stands
    const at = Buffer.byteLength(text.slice(0, bad), "utf8");
    // a file may hold U+FFFD itself, spelt EF BF BD
    if (bytes[at] === 0xef && bytes[at + 1] === 0xbf && bytes[at + 2] === 0xbd) {
      from = bad + 1;
      continue;
    }
    const byte = (bytes[at] ?? 0).toString(16).padStart(2, "0");
    return { offset: bad, message: `byte 0x${byte} is not UTF-8 text (a scenario is a YAML or JSON text file; is this a binary file?)` };
  }
}

// YAML 1.2's c-printable: tab, LF, CR, 0x20-0x7E, NEL, 0xA0-0xD7FF, 0xE000-0xFFFD and above 0xFFFF
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u0084\u0086-\u009f\ufffe\uffff]/u;

/** the first character that YAML does not allow in a file, or null */
export function unprintable(text: string): TextProblem | null {
  const m = UNPRINTABLE.exec(text);
  if (m === null) return null;
  const code = (m[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return { offset: m.index, message: `the control character U+${code} is not allowed in a YAML or JSON file (is this a binary file?)` };
}

const CONTEXT = 10; // V8 quotes this many characters either side of an unexpected token

/**
 * the offset of a JSON.parse error: V8 says "at position N", or quotes the text around the
 * unexpected token ("...CONTEXT..." with CONTEXT characters either side), or reached the end
 */
function jsonErrorOffset(message: string, text: string): number | null {
  const pos = / at position (\d+)/u.exec(message);
  if (pos !== null) return Number(pos[1]);
  if (/^Unexpected end of JSON input/u.test(message)) return text.length;
  const quoted = /^Unexpected token '(.)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/u.exec(message);
  if (quoted === null) return null;
  const [, , before, context = "", after] = quoted;
  if (before === undefined && after === undefined) return null; // the whole (short) text: the token is not located
  // quoted from the start, up to the end, or around the token
  const start = before === undefined ? 0 : after === undefined ? text.length - context.length : text.indexOf(context);
  if (start < 0) return null;
  return before === undefined ? context.length - CONTEXT : start + CONTEXT;
}

/** why `text` is not strict JSON (JSON.parse's reason, without the text it quotes), or null */
export function strictJsonProblem(text: string): TextProblem | null {
  try {
    JSON.parse(text.startsWith("\ufeff") ? text.slice(1) : text);
    return null;
  } catch (e) {
    const message = (e as Error).message;
    const bom = text.startsWith("\ufeff") ? 1 : 0;
    const offset = jsonErrorOffset(message, text.slice(bom));
    // "Unexpected token 'x', "{..." is not valid JSON" -> "unexpected token 'x'"
    const reason = message.replace(/, (\.\.\.)?"[\s\S]*$/u, "").replace(/ in JSON at position \d+[\s\S]*$/u, "").replace(/^Unexpected end of JSON input/u, "Unexpected end of the file");
    return { offset: offset === null ? -1 : offset + bom, message: `the file is not strict JSON: ${reason.charAt(0).toLowerCase()}${reason.slice(1)} (a .json file is parsed as JSON: no trailing commas, comments or single quotes)` };
  }
}

/** 1-based line and column of `offset` in `text` (columns count UTF-16 units, as the YAML parser's do) */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}
