import { test } from "node:test";
import assert from "node:assert/strict";
import { ceilValue, formatBinarySI, isInteger, milliValue, parseQuantity, type Quantity } from "./quantity.js";

function q(v: unknown): Quantity {
  const r = parseQuantity(v);
  if (typeof r === "string") assert.fail(`${String(v)}: ${r}`);
  return r;
}

test("quantities: binary suffixes are powers of 1024, decimal ones powers of 1000", () => {
  assert.equal(ceilValue(q("32Mi")), 33554432n);
  assert.equal(ceilValue(q("1Ki")), 1024n);
  assert.equal(ceilValue(q("1Gi")), 1073741824n);
  assert.equal(ceilValue(q("2Ti")), 2n * 2n ** 40n);
  assert.equal(ceilValue(q("1Pi")), 2n ** 50n);
  assert.equal(ceilValue(q("1Ei")), 2n ** 60n);
  assert.equal(ceilValue(q("1k")), 1000n);
  assert.equal(ceilValue(q("1M")), 1000000n);
  assert.equal(ceilValue(q("1G")), 1000000000n);
  assert.equal(ceilValue(q("1T")), 10n ** 12n);
  assert.equal(ceilValue(q("1P")), 10n ** 15n);
  assert.equal(ceilValue(q("1E")), 10n ** 18n);
});

test("quantities: plain integers (as strings or as YAML numbers), fractions and exponents", () => {
  assert.equal(ceilValue(q("98566144")), 98566144n);
  assert.equal(ceilValue(q(98566144)), 98566144n);
  assert.equal(ceilValue(q("1.5Ki")), 1536n);
  assert.equal(ceilValue(q(".5Ki")), 512n);
  assert.equal(ceilValue(q("1e3")), 1000n);
  assert.equal(ceilValue(q("1E3")), 1000n);
  assert.equal(ceilValue(q(1e3)), 1000n);
  assert.equal(ceilValue(q("5e-1")), 1n, "0.5 rounds up to 1, as Quantity.Value() does");
  assert.equal(ceilValue(q("+7")), 7n);
  assert.ok(isInteger(q("1.5Ki")));
  assert.ok(!isInteger(q("1.5")));
});

test("quantities: m is milli, and cpu counts in millicores", () => {
  assert.equal(milliValue(q("500m")), 500n);
  assert.equal(milliValue(q("1")), 1000n);
  assert.equal(milliValue(q("1.5")), 1500n);
  assert.equal(milliValue(q(0.25)), 250n);
  assert.equal(ceilValue(q("100m")), 1n, "100m bytes is one byte rounded up");
  assert.ok(!isInteger(q("100m")));
});

test("quantities: spellings Kubernetes refuses are refused, with what was expected", () => {
  for (const bad of ["32MiB", "32mi", "1K", "1KB", "32 Mi", "Mi", "", "1.2.3", "0x10", "1e", "10Mi5", "--1", "1ki"]) {
    const r = parseQuantity(bad);
    assert.equal(typeof r, "string", `${JSON.stringify(bad)} is refused`);
    assert.match(r as string, /expected a Kubernetes quantity/);
  }
  assert.match(parseQuantity("32MiB") as string, /Kubernetes spells the binary units Ki, Mi, Gi/);
  assert.match(parseQuantity(null) as string, /got null/);
  assert.match(parseQuantity(true) as string, /got boolean/);
});

test("quantities: the webhook's sum is printed as BinarySI, decimal below 1024 or when no binary suffix divides it", () => {
  assert.equal(formatBinarySI(33554432n), "32Mi");
  assert.equal(formatBinarySI(98566144n), "94Mi");
  assert.equal(formatBinarySI(98041856n), "95744Ki");
  assert.equal(formatBinarySI(400n), "400");
  assert.equal(formatBinarySI(1000n), "1k");
  assert.equal(formatBinarySI(1500n), "1500");
  assert.equal(formatBinarySI(2n ** 30n * 3n), "3Gi");
  assert.equal(formatBinarySI(0n), "0");
});
