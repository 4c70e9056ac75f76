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

test("decimal units are powers of 1000, binary ones powers of 1024", () => {
  const table: [unknown, number][] = [
    ["1GB", 1e9],
    ["1TB", 1e12],
    ["1 kB", 1000],
    ["2 GiB", 2 * 2 ** 30],
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

test("units are spelt exactly: another case is refused, as are memparse's suffixes", () => {
  for (const input of ["128Mb", "128mb", "128mib", "128MIB", "2 gib", "1KB", "1kb", "1Kb", "64kib", "1gb", "1tb", "512b", "64M", "64k", "64K", "1G"]) {
    assert.equal(typeof parseSize(input), "string", input);
  }
  for (const input of ["10MS", "10Ms", "10NS", "10US", "1S", "2Min", "2MIN", "10m", "5sec", "10μs", "1µS"]) {
    assert.equal(typeof parseTime(input), "string", input);
  }
});

test("a misspelt unit gets the nearest valid spelling; an ambiguous one both, with what each means", () => {
  const expected = 'expected a size such as 64MiB or 4096 (bytes), got ';
  assert.equal(parseSize("128Mb"), `${expected}"128Mb"; did you mean 128MiB (134217728 bytes) or 128MB (128000000 bytes)?`);
  assert.equal(parseSize("128mb"), `${expected}"128mb"; did you mean 128MiB (134217728 bytes) or 128MB (128000000 bytes)?`);
  assert.equal(parseSize("1KB"), `${expected}"1KB"; did you mean 1KiB (1024 bytes) or 1kB (1000 bytes)?`);
  assert.equal(parseSize("128mib"), `${expected}"128mib"; did you mean 128MiB?`);
  assert.equal(parseSize("2 gib"), `${expected}"2 gib"; did you mean 2GiB?`);
  assert.equal(parseSize("64M"), `${expected}"64M"; did you mean 64MiB?`, "memparse's M is binary");
  assert.equal(parseSize("512 bytes"), `${expected}"512 bytes"; did you mean 512B?`);
  assert.equal(parseSize("4 MiBs"), `${expected}"4 MiBs"; did you mean 4MiB?`);
  // a spelling whose every meaning is a fraction of a byte is not offered
  assert.equal(parseSize("0.3b"), `${expected}"0.3b"`);
  assert.equal(parseSize("64 lemons"), `${expected}"64 lemons"`);
  const time = 'expected a time with a unit such as 10ms, 200ns or 1.5s, got ';
  assert.equal(parseTime("10MS"), `${time}"10MS"; did you mean 10ms?`);
  assert.equal(parseTime("5sec"), `${time}"5sec"; did you mean 5s?`);
  assert.equal(parseTime("2Min"), `${time}"2Min"; did you mean 2min?`);
  assert.equal(parseTime("10m"), `${time}"10m"; did you mean 10min (600000000000 ns) or 10ms (10000000 ns)?`);
  assert.equal(parseTime("10μs"), `${time}"10μs"; did you mean 10us?`, "a Greek mu is not the micro sign");
  assert.equal(parseTime("3 mss"), `${time}"3 mss"; did you mean 3ms?`);
  assert.equal(parseTime("3 fortnights"), `${time}"3 fortnights"`);
});

test("a message quotes its input with control characters escaped", () => {
  for (const r of [parseSize("64\u001b[2JMiB"), parseSize("1\u0085MiB"), parseTime("1\u009bms"), parseTime("\u0007")]) {
    assert.equal(typeof r, "string");
    assert.doesNotMatch(r as string, /[\u0000-\u001f\u007f-\u009f]/u, JSON.stringify(r));
  }
  assert.match(parseSize("64\u001b[2JMiB") as string, /got "64\\u001b\[2JMiB"$/u);
});
