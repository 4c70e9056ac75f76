// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource, quantity.go) with their
// exact meaning: a signed decimal number, then a binary suffix (Ki Mi Gi Ti Pi Ei), a decimal one
// (n u m "" k M G T P E) or a decimal exponent (e3, E-2). Values are kept as exact fractions
// (BigInt), so "1.5Ki" is 1536 and "100m" is 1/10; Value() rounds up, as the apimachinery does.

/** an exact quantity: num / den, den > 0 */
export interface Quantity {
  num: bigint;
  den: bigint;
  /** the spelling it was given in */
  text: string;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const GRAMMAR = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE])([+-]?\d+)|(n|u|m|k|M|G|T|P|E)?)$/;

const EXPECTED = 'expected a Kubernetes quantity such as 98566144, 32Mi, 1G, 1.5Gi, 500m or 1e6';

/** parses a quantity; a string is the reason it is not one */
export function parseQuantity(input: unknown): Quantity | string {
  let text: string;
  if (typeof input === "number") {
    if (!Number.isFinite(input)) return `${EXPECTED}, got ${String(input)}`;
    // YAML read 1e3 or 0.5 as a number: its shortest decimal spelling is exact for what was written
    text = String(input);
  } else if (typeof input === "string") {
    text = input;
  } else {
    return `${EXPECTED}, got ${input === null ? "null" : typeof input}`;
  }
  const m = GRAMMAR.exec(text);
  if (m === null) {
    const hint = /^[+-]?[\d.]+\s*(K|KB|KiB|MiB|GiB|MB|GB|mi|gi)$/.exec(text);
    return `${EXPECTED}, got ${JSON.stringify(text)}${hint !== null ? ` (Kubernetes spells the binary units Ki, Mi, Gi and the decimal ones k, M, G)` : ""}`;
  }
  const [, sign, digits = "0", bin, exp, expDigits, dec] = m;
  const [whole = "", frac = ""] = digits.split(".");
  let num = BigInt((whole || "0") + frac);
  let den = 10n ** BigInt(frac.length);
  if (sign === "-") num = -num;
  if (bin !== undefined) {
    num *= BINARY[bin] as bigint;
  } else {
    const e = exp !== undefined ? Number(expDigits) : (DECIMAL[dec ?? ""] as number);
    if (Math.abs(e) > 1000) return `${EXPECTED}, got ${JSON.stringify(text)} (an exponent that large is refused)`;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  const g = gcd(num < 0n ? -num : num, den);
  return { num: num / g, den: den / g, text };
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a === 0n ? 1n : a;
}

export function isInteger(q: Quantity): boolean {
  return q.den === 1n;
}

/** Quantity.Value(): the value rounded up to an integer (0.1 byte is 1 byte) */
export function ceilValue(q: Quantity): bigint {
  const d = q.num / q.den;
  return q.num % q.den === 0n || q.num < 0n ? d : d + 1n;
}

/** Quantity.MilliValue(): the value in thousandths, rounded up (cpu "1.5" is 1500) */
export function milliValue(q: Quantity): bigint {
  return ceilValue({ num: q.num * 1000n, den: q.den, text: q.text });
}

/**
 * the canonical BinarySI spelling of an integer, as Quantity.String() prints a quantity whose format
 * is BinarySI (the webhook's sum): the largest binary suffix that divides it exactly, and the decimal
 * form when none does or |v| < 1024 (quantity.go CanonicalizeBytes)
 */
export function formatBinarySI(v: bigint): string {
  const abs = v < 0n ? -v : v;
  if (abs >= 1024n) {
    const suffixes = ["Ei", "Pi", "Ti", "Gi", "Mi", "Ki"];
    for (const s of suffixes) {
      const unit = BINARY[s] as bigint;
      if (abs % unit === 0n) return `${v / unit}${s}`;
    }
  }
  return formatDecimalSI(v);
}

/** the canonical DecimalSI spelling of an integer: the largest of k M G T P E that divides it */
export function formatDecimalSI(v: bigint): string {
  if (v === 0n) return "0";
  const suffixes: [string, bigint][] = [["E", 10n ** 18n], ["P", 10n ** 15n], ["T", 10n ** 12n], ["G", 10n ** 9n], ["M", 10n ** 6n], ["k", 1000n]];
  for (const [s, unit] of suffixes) if (v % unit === 0n) return `${v / unit}${s}`;
  return String(v);
}
