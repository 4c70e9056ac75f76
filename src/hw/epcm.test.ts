import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveCosts } from "./costs.js";
import { ENCLS_GP, ENCLS_PF, Epcm, SecsState, enclsFailed, enclsFaulted } from "./epcm.js";
import { SGX_BLKSTATE, SGX_CHILD_PRESENT, SGX_NOT_TRACKED, SGX_PAGE_NOT_BLOCKED, SGX_PAGE_TYPE_REG, SGX_PREV_TRK_INCMPL } from "../kernel/sgx.js";

function setup(): { epcm: Epcm; secs: SecsState } {
  const epcm = new Epcm(8, resolveCosts("client-128m"));
  const secs = new SecsState(0);
  assert.equal(epcm.ecreate(0, secs, 8192), 0);
  assert.equal(epcm.eadd(1, secs, SGX_PAGE_TYPE_REG), 0);
  assert.equal(epcm.eadd(2, secs, SGX_PAGE_TYPE_REG), 0);
  assert.equal(epcm.einit(secs), 0);
  return { epcm, secs };
}

test("EWB needs EBLOCK, then an ETRACK after the block, then every tracked CPU out", () => {
  const { epcm, secs } = setup();
  assert.equal(epcm.ewb(1, secs, false), SGX_PAGE_NOT_BLOCKED);
  assert.equal(epcm.eblock(1, secs), 0);
  assert.equal(epcm.eblock(1, secs), SGX_BLKSTATE);
  assert.equal(epcm.ewb(1, secs, false), SGX_NOT_TRACKED, "no ETRACK since the block");
  const inside = {};
  secs.inside.add(inside);
  assert.equal(epcm.etrack(secs), 0);
  assert.equal(epcm.ewb(1, secs, false), SGX_NOT_TRACKED, "a CPU that was inside at ETRACK is still inside");
  assert.equal(epcm.etrack(secs), SGX_PREV_TRK_INCMPL);
  secs.leave(inside);
  assert.equal(epcm.ewb(1, secs, false), 0);
  assert.equal(secs.children, 1);
  assert.ok(!epcm.isValid(1));
  assert.equal(epcm.leaves.EWB, 4);
});

test("a page blocked before an ETRACK is written back on the first try", () => {
  const { epcm, secs } = setup();
  epcm.eblock(1, secs);
  epcm.eblock(2, secs);
  assert.equal(epcm.ewb(1, secs, false), SGX_NOT_TRACKED);
  epcm.etrack(secs);
  assert.equal(epcm.ewb(1, secs, false), 0);
  assert.equal(epcm.ewb(2, secs, false), 0, "covered by the same ETRACK");
});

test("a SECS with valid children can be neither written back nor removed", () => {
  const { epcm, secs } = setup();
  assert.equal(epcm.ewb(0, secs, true), SGX_CHILD_PRESENT);
  assert.equal(epcm.eremove(0), SGX_CHILD_PRESENT);
  assert.equal(epcm.eremove(1), 0);
  assert.equal(epcm.eremove(2), 0);
  assert.equal(secs.children, 0);
  assert.equal(epcm.ewb(0, secs, true), 0);
  assert.equal(epcm.eremove(0), 0, "EREMOVE of an invalid frame is a no-op");
});

test("ELDU of a child needs its SECS resident; EAUG needs an initialized enclave", () => {
  const { epcm, secs } = setup();
  assert.equal(epcm.eldu(5, SGX_PAGE_TYPE_REG, secs, -1, true, secs), ENCLS_PF);
  assert.equal(epcm.eldu(5, SGX_PAGE_TYPE_REG, secs, 0, true, secs), 0);
  assert.equal(epcm.owner(5), 0);
  const fresh = new SecsState(1);
  epcm.ecreate(6, fresh, 8192);
  assert.equal(epcm.eaug(7, fresh), ENCLS_PF);
  assert.ok(enclsFaulted(ENCLS_PF) && !enclsFailed(ENCLS_PF), "a #PF is expected, not a failure");
  assert.ok(enclsFailed(SGX_NOT_TRACKED));
});

test("injected failures hit the next executions of a leaf only", () => {
  const { epcm, secs } = setup();
  epcm.failNext.EWB = 1;
  epcm.eblock(1, secs);
  epcm.etrack(secs);
  assert.notEqual(epcm.ewb(1, secs, false), 0);
  assert.ok(epcm.isValid(1), "a failed EWB leaves the page valid");
  assert.equal(epcm.ewb(1, secs, false), 0);
});

test("ECREATE #GPs on a SECS.SIZE below 2 pages or not a power of two, and leaves the frame invalid", () => {
  const epcm = new Epcm(8, resolveCosts("client-128m"));
  for (const size of [0, 4096, 12288, 3 * 2 ** 32]) {
    assert.equal(epcm.ecreate(0, new SecsState(1), size), ENCLS_GP, `size ${size}`);
    assert.equal(epcm.isValid(0), false);
  }
  assert.equal(epcm.ecreate(0, new SecsState(1), 2 ** 36), 0, "64 GiB is fine");
  assert.equal(epcm.leaves.ECREATE, 5, "every attempt counts as an ECREATE");
});
