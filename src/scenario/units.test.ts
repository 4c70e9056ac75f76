import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSize, parseTime } from "./units.js";

test("sizes take binary and decimal units; a bare number is bytes", () => {
  const table: [unknown, number][] = [
    [4096, 4096],
    ["4096", 4096],
    ["512B", 512],
    ["64KiB", 65536],
    ["64 KiB", 65536],
    ["128MiB", 128 * 2 ** 20],
    ["1GiB", 2 ** 30],
    ["2TiB", 2 * 2 ** 40],
    ["1MB", 1e6],
    ["1kB", 1000],
    ["1.5KiB", 1536],
  ];
  for (const [input, bytes] of table) assert.equal(parseSize(input), bytes, String(input));
});

test("bad sizes are explained", () => {
  for (const input of ["64 lemons", "-1", "", "MiB", -5, 1.5, true, "0.3B"]) {
    const r = parseSize(input);
    assert.equal(typeof r, "string", String(input));
    assert.match(r as string, /^expected/);
  }
});

test("times need a unit (except 0) and become integer ns", () => {
  const table: [unknown, number][] = [
    [0, 0],
    ["200ns", 200],
    ["1us", 1000],
    ["1µs", 1000],
    ["1.5ms", 1_500_000],
    ["10ms", 10_000_000],
    ["2s", 2e9],
    ["1min", 60e9],
  ];
  for (const [input, ns] of table) assert.equal(parseTime(input), ns, String(input));
  for (const input of [10, "10", "10 parsecs", "-1ms", null]) assert.match(String(parseTime(input)), /^expected a time/);
});
