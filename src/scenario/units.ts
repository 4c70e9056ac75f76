// Sizes and times in scenario files: "128MiB", "64 KiB", "4096" (bytes), "10ms", "1.5s".
// A parse returns the value, or a string explaining what was expected.
//
// Sizes: a non-negative integer is bytes; a string is a number (decimals allowed) and an optional
// unit, case-insensitive: B, KiB, MiB, GiB, TiB (powers of 1024) or kB, MB, GB, TB (powers of
// 1000); the result must be a whole number of bytes.
// Times: a string with a unit, ns, us (or µs), ms, s or min, rounded to the nearest ns; a bare
// number is refused (a unit must be said) except 0.

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  tb: 1000 ** 4,
};

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
};

function show(v: unknown): string {
  return typeof v === "string" ? `"${v}"` : JSON.stringify(v) ?? String(v);
}

/** bytes, or an explanation */
export function parseSize(v: unknown): number | string {
  if (v === undefined) return "is required (a size such as 64MiB or 4096 bytes)";
  const expected = `expected a size such as 64MiB or 4096 (bytes), got ${show(v)}`;
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : expected;
  if (typeof v !== "string") return expected;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(v);
  if (m === null) return expected;
  const unit = (m[2] ?? "").toLowerCase();
  const mult = unit === "" ? 1 : SIZE_UNITS[unit];
  if (mult === undefined) return expected;
  const bytes = Number(m[1]) * mult;
  if (!Number.isSafeInteger(bytes)) return `expected a whole number of bytes, got ${show(v)}`;
  return bytes;
}

/** integer nanoseconds, or an explanation */
export function parseTime(v: unknown): number | string {
  if (v === undefined) return "is required (a time such as 10ms)";
  const expected = `expected a time with a unit such as 10ms, 200ns or 1.5s, got ${show(v)}`;
  if (v === 0 || v === "0") return 0;
  if (typeof v !== "string") return expected;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|min)\s*$/.exec(v);
  if (m === null) return expected;
  const ns = Math.round(Number(m[1]) * (TIME_UNITS[m[2] as string] as number));
  if (!Number.isSafeInteger(ns)) return `expected a time below 104 days, got ${show(v)}`;
  return ns;
}
