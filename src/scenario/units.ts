// Sizes and times in scenario files and command-line flags: "128MiB", "64 KiB", "4096" (bytes),
// "10ms", "1.5s". A parse returns the value, or a string explaining what was expected.
//
// Sizes: a non-negative integer is bytes; a string is a number (decimals allowed), optional spaces
// and an optional unit, spelt exactly: B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB
// (powers of 1000); the result must be a whole number of bytes.
// Times: a string with a unit spelt exactly, ns, us (or µs, the micro sign), ms, s or min, rounded
// to the nearest ns; a bare number is refused (a unit must be said) except 0.
//
// Units are case-sensitive: "128Mb" and "128mb" could mean MiB, MB or megabits, so they are refused
// with the spellings they may have meant. The kernel's own grammars (memparse's "64M" for
// memory.max, "sgx_epc <bytes>" for misc.max) are not these: src/cgroup parses those as the kernel does.
import { closestMatch } from "leven";
import { quote } from "./quote.js";

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
  kB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
  TB: 1000 ** 4,
};

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
};

/** spellings people write for a unit, case-folded, and the units they may have meant */
const SIZE_ALIASES: Record<string, string[]> = {
  b: ["B"],
  byte: ["B"],
  bytes: ["B"],
  // memparse's binary suffixes, as memory.max takes them
  k: ["KiB"],
  m: ["MiB"],
  g: ["GiB"],
  t: ["TiB"],
  // a wrong-case decimal unit: binary or decimal is anyone's guess
  kb: ["KiB", "kB"],
  mb: ["MiB", "MB"],
  gb: ["GiB", "GB"],
  tb: ["TiB", "TB"],
};

const TIME_ALIASES: Record<string, string[]> = {
  nsec: ["ns"],
  nanosecond: ["ns"],
  nanoseconds: ["ns"],
  usec: ["us"],
  "μs": ["us"], // the Greek mu, which looks like the micro sign
  microsecond: ["us"],
  microseconds: ["us"],
  msec: ["ms"],
  millisecond: ["ms"],
  milliseconds: ["ms"],
  sec: ["s"],
  secs: ["s"],
  second: ["s"],
  seconds: ["s"],
  m: ["min", "ms"],
  mins: ["min"],
  minute: ["min"],
  minutes: ["min"],
};

/**
 * the valid spellings `unit` may have meant: the same letters in another case, a known alias, or
 * the closest unit by edit distance (at most 1 apart, case-folded)
 */
function nearUnits(unit: string, units: Record<string, number>, aliases: Record<string, string[]>): string[] {
  const folded = unit.toLowerCase();
  const alias = aliases[folded];
  if (alias !== undefined) return alias;
  const names = Object.keys(units);
  const sameLetters = names.filter((u) => u.toLowerCase() === folded);
  if (sameLetters.length > 0) return sameLetters;
  const near = closestMatch(folded, names.map((u) => u.toLowerCase()), { maxDistance: 1 });
  return names.filter((u) => u.toLowerCase() === near);
}

/** "; did you mean 128MiB (134217728 bytes) or 128MB (128000000 bytes)?", or "" when nothing is near */
function suggestion(number: string, unit: string, units: Record<string, number>, aliases: Record<string, string[]>, parse: (v: string) => number | string, what: string): string {
  const valid = nearUnits(unit, units, aliases)
    .map((u) => ({ text: `${number}${u}`, value: parse(`${number}${u}`) }))
    .filter((c) => typeof c.value === "number");
  if (valid.length === 0) return "";
  if (valid.length === 1) return `; did you mean ${valid[0]?.text}?`;
  return `; did you mean ${valid.map((c) => `${c.text} (${c.value} ${what})`).join(" or ")}?`;
}

// a number, optional spaces and a unit of anything but spaces and digits
const WITH_UNIT = /^\s*(\d+(?:\.\d+)?)\s*([^\s\d.]\S*)?\s*$/u;

/** bytes, or an explanation */
export function parseSize(v: unknown): number | string {
  if (v === undefined) return "is required (a size such as 64MiB or 4096 bytes)";
  const expected = `expected a size such as 64MiB or 4096 (bytes), got ${quote(v)}`;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : expected;
  if (typeof v !== "string") return expected;
  const m = WITH_UNIT.exec(v);
  if (m === null) return expected;
  const unit = m[2] ?? "";
  const mult = unit === "" ? 1 : SIZE_UNITS[unit];
  if (mult === undefined) return `${expected}${suggestion(m[1] as string, unit, SIZE_UNITS, SIZE_ALIASES, parseSize, "bytes")}`;
  const bytes = Number(m[1]) * mult;
  if (!Number.isSafeInteger(bytes)) return `expected a whole number of bytes, got ${quote(v)}`;
  return bytes;
}

/** integer nanoseconds, or an explanation */
export function parseTime(v: unknown): number | string {
  if (v === undefined) return "is required (a time such as 10ms)";
  const expected = `expected a time with a unit such as 10ms, 200ns or 1.5s, got ${quote(v)}`;
  if (v === 0 || v === "0") return 0;
  if (typeof v !== "string") return expected;
  const m = WITH_UNIT.exec(v);
  if (m === null || m[2] === undefined) return expected;
  const mult = TIME_UNITS[m[2]];
  if (mult === undefined) return `${expected}${suggestion(m[1] as string, m[2], TIME_UNITS, TIME_ALIASES, parseTime, "ns")}`;
  const ns = Math.round(Number(m[1]) * mult);
  if (!Number.isSafeInteger(ns)) return `expected a time below 104 days, got ${quote(v)}`;
  return ns;
}
