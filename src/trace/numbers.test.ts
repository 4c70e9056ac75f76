import { test } from "node:test";
import assert from "node:assert/strict";
import { NOT_A_NUMBER, TOO_LARGE, parseAddressPage, parseId, parseTime } from "./numbers.js";

const b = (s: string): Buffer => Buffer.from(s, "latin1");
const id = (s: string): number => parseId(b(s), 0, s.length);
const page = (s: string): number => parseAddressPage(b(s), 0, s.length);
const time = (s: string): number => parseTime(b(s), 0, s.length);

test("ids: decimal and 0x-hex, exact up to 2^53 - 1", () => {
  assert.equal(id("0"), 0);
  assert.equal(id("007"), 7);
  assert.equal(id("9007199254740991"), 2 ** 53 - 1);
  assert.equal(id("0x1FFFFFFFFFFFFF"), 2 ** 53 - 1);
  assert.equal(id("0Xff"), 255);
  assert.equal(id("9007199254740992"), TOO_LARGE);
  assert.equal(id("99999999999999999999999"), TOO_LARGE);
  assert.equal(id("0x20000000000000"), TOO_LARGE);
  for (const s of ["", "0x", "-1", "+1", "1.5", "1e3", "0xg", "12a"]) assert.equal(id(s), NOT_A_NUMBER, s);
});

test("addresses: the page is address / 4096, exact for every 64-bit hex address", () => {
  assert.equal(page("4095"), 0);
  assert.equal(page("4096"), 1);
  assert.equal(page("0xfff"), 0);
  assert.equal(page("0x1000"), 1);
  assert.equal(page("0xffffffffffffffff"), 2 ** 52 - 1);
  assert.equal(page("0x00000000000000001000"), 1);
  assert.equal(page("0x10000000000000000"), TOO_LARGE);
  assert.equal(page("9007199254740992"), TOO_LARGE);
  assert.equal(page("0x12g4"), NOT_A_NUMBER);
});

test("times: integers, fractions and exponents; anything else is NaN", () => {
  assert.equal(time("12"), 12);
  assert.equal(time("1.25"), 1.25);
  assert.equal(time(".5"), 0.5);
  assert.equal(time("3."), 3);
  assert.equal(time("2e3"), 2000);
  assert.equal(time("1.5E-3"), 0.0015);
  for (const s of ["", "-1", "1,5", "x", "Infinity", "0x10", "1e"]) assert.ok(Number.isNaN(time(s)), s);
});
