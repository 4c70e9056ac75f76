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

test("size and time messages are sentences naming what was expected", () => {
  assert.equal(parseSize("64 lemons"), 'expected a size such as 64MiB or 4096 (bytes), got "64 lemons"');
  assert.equal(parseSize(-1), "expected a size such as 64MiB or 4096 (bytes), got -1");
  assert.equal(parseSize("1.5B"), 'expected a whole number of bytes, got "1.5B"');
  assert.equal(parseTime("10"), 'expected a time with a unit such as 10ms, 200ns or 1.5s, got "10"');
  assert.equal(parseTime(undefined), "is required (a time such as 10ms)");
});

test("decimal units are powers of 1000, binary ones powers of 1024, case-insensitively", () => {
  const table: [unknown, number][] = [
    ["1GB", 1e9],
    ["1TB", 1e12],
    ["1 kB", 1000],
    ["2 gib", 2 * 2 ** 30],
    ["0", 0],
    [0, 0],
    ["0.5MiB", 512 * 1024],
  ];
  for (const [input, bytes] of table) assert.equal(parseSize(input), bytes, String(input));
});

test("times round to the nearest ns; 0 needs no unit", () => {
  const table: [unknown, number][] = [
    ["0", 0],
    ["0ns", 0],
    ["1.4ns", 1],
    ["1.5ns", 2],
    ["0.0001ms", 100],
    ["2.5us", 2500],
    ["1.25 s", 1_250_000_000],
    ["0.5min", 30e9],
  ];
  for (const [input, ns] of table) assert.equal(parseTime(input), ns, String(input));
});
