import { test } from "node:test";
import assert from "node:assert/strict";
import { resolveCosts } from "./costs.js";
import { ENCLS_GP, ENCLS_PF, EPCM_OS_BITS, EPCM_PR, EPCM_R, EPCM_W, Epcm, SGX_PAGE_ATTRIBUTES_MISMATCH, SecsState, enclsFailed, enclsFaulted } from "./epcm.js";
import {
  SGX_BLKSTATE,
  SGX_CHILD_PRESENT,
  SGX_NOT_TRACKED,
  SGX_PAGE_NOT_BLOCKED,
  SGX_PAGE_NOT_MODIFIABLE,
  SGX_PAGE_TYPE_REG,
  SGX_PAGE_TYPE_TCS,
  SGX_PAGE_TYPE_TRIM,
  SGX_PREV_TRK_INCMPL,
} from "./arch.js";

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
  epcm.injectFailures("EWB", 1);
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

/** EWB of frame `f` (blocked, tracked): the PCMD entry it wrote */
function writeBack(epcm: Epcm, secs: SecsState, f: number): number {
  assert.equal(epcm.eblock(f, secs), 0);
  assert.equal(epcm.etrack(secs), 0);
  assert.equal(epcm.ewb(f, secs, false), 0);
  return epcm.pcmdOut;
}

test("EPCM permissions: EADD sets them, EMODPR restricts them and sets PR, EACCEPT clears PR, EMODPE extends", () => {
  const epcm = new Epcm(8, resolveCosts("client-128m"));
  const secs = new SecsState(0);
  epcm.ecreate(0, secs, 8192);
  assert.equal(epcm.eadd(1, secs, SGX_PAGE_TYPE_REG, EPCM_R | EPCM_W), 0);
  assert.equal(epcm.eadd(2, secs, SGX_PAGE_TYPE_TCS, EPCM_R | EPCM_W), 0);
  epcm.einit(secs);
  assert.ok(epcm.allowsAccess(1, secs, true));
  assert.ok(!epcm.allowsAccess(2, secs, false), "a TCS page is not accessible as data");
  assert.ok(epcm.isEnterableTcs(2, secs));
  assert.equal(epcm.emodpr(1, false, EPCM_R), 0);
  assert.equal(epcm.permOf(1), EPCM_R | EPCM_PR);
  assert.ok(epcm.allowsAccess(1, secs, false));
  assert.ok(!epcm.allowsAccess(1, secs, true), "a write to an EPCM read-only page faults");
  const secinfo = { type: SGX_PAGE_TYPE_REG, perm: EPCM_R, pending: false, modified: false, pr: true };
  assert.equal(epcm.eaccept(1, { ...secinfo, pr: false }), SGX_PAGE_ATTRIBUTES_MISMATCH, "the SECINFO must name the pending PR");
  assert.equal(epcm.permOf(1), EPCM_R | EPCM_PR, "a mismatch changes nothing");
  assert.equal(epcm.eaccept(1, secinfo), 0);
  assert.equal(epcm.permOf(1), EPCM_R);
  assert.equal(epcm.emodpe(1, EPCM_W), 0);
  assert.ok(epcm.allowsAccess(1, secs, true));
  assert.equal(epcm.emodpe(2, EPCM_W), ENCLS_PF, "EMODPE is for REG pages only");
});

test("EAUG gives a pending RW page that faults until EACCEPTed; EMODT clears the permissions", () => {
  const { epcm, secs } = setup();
  assert.equal(epcm.eaug(3, secs), 0);
  assert.equal(epcm.permOf(3), EPCM_R | EPCM_W);
  assert.ok(!epcm.allowsAccess(3, secs, false), "pending");
  assert.equal(epcm.eaccept(3, { type: SGX_PAGE_TYPE_REG, perm: EPCM_R | EPCM_W, pending: true, modified: false, pr: false }), 0);
  assert.ok(epcm.allowsAccess(3, secs, true));
  assert.equal(epcm.emodt(3, SGX_PAGE_TYPE_TRIM), 0);
  assert.equal(epcm.permOf(3), 0);
  assert.ok(!epcm.allowsAccess(3, secs, false), "a trimmed page is not accessible, before ...");
  assert.equal(epcm.eaccept(3, { type: SGX_PAGE_TYPE_TRIM, perm: 0, pending: false, modified: true, pr: false }), 0);
  assert.ok(!epcm.allowsAccess(3, secs, false), "... or after its EACCEPT");
});

test("EWB and ELDU keep the EPCM permissions and PENDING/MODIFIED of a page (model fix: ELDU used to clear them)", () => {
  const { epcm, secs } = setup();
  epcm.eaug(3, secs);
  let pcmd = writeBack(epcm, secs, 3);
  assert.equal(epcm.eldu(4, SGX_PAGE_TYPE_REG, secs, 0, true, secs, pcmd), 0);
  assert.ok(!epcm.allowsAccess(4, secs, false), "still pending after the reload");
  assert.equal(epcm.emodt(4, SGX_PAGE_TYPE_TRIM), SGX_PAGE_NOT_MODIFIABLE, "EMODT of a pending page fails after a reload too");
  assert.equal(epcm.eaccept(4, { type: SGX_PAGE_TYPE_REG, perm: EPCM_R | EPCM_W, pending: true, modified: false, pr: false }), 0);
  assert.equal(epcm.emodpr(4, false, EPCM_R), 0);
  pcmd = writeBack(epcm, secs, 4);
  assert.equal(epcm.eldu(5, SGX_PAGE_TYPE_REG, secs, 0, true, secs, pcmd), 0);
  assert.equal(epcm.permOf(5), EPCM_R | EPCM_PR, "restricted permissions and the pending PR come back");
});

test("an entry and its ENCLAVESECS take 4 bytes a frame, whatever the enclave ids; the OS's bits stay as the OS set them", () => {
  const epcm = new Epcm(8, resolveCosts("client-128m"));
  assert.equal(epcm.bytesPerFrame(), 4);
  epcm.entry[1] = EPCM_OS_BITS;
  const small = new SecsState(7);
  assert.equal(epcm.ecreate(0, small, 2 * 4096), 0);
  assert.equal(epcm.eadd(1, small, 2, 7), 0);
  const big = new SecsState(70_000);
  assert.equal(epcm.ecreate(2, big, 2 * 4096), 0);
  assert.equal(epcm.bytesPerFrame(), 4);
  assert.deepEqual([epcm.owner(0), epcm.owner(1), epcm.owner(2), epcm.owner(3)], [7, 7, 70_000, -1]);
  assert.equal(epcm.entry[1]! & EPCM_OS_BITS, EPCM_OS_BITS, "EADD kept the OS's bits");
  assert.equal(epcm.eremove(1), 0);
  assert.equal(epcm.entry[1], EPCM_OS_BITS, "EREMOVE cleared the EPCM's bits only");
  assert.equal(epcm.owner(1), -1);
});
