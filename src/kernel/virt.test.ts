import { test } from "node:test";
import assert from "node:assert/strict";
import { sgxVepcFault, Vepc, VEPC_OK, VEPC_RETRY, VEPC_SIGBUS } from "./virt.js";
import { enclave, kernel } from "../testing/kernel-harness.js";

test("a vEPC fault without a free frame retries when the fault allows it and the LRU has pages, else SIGBUS", () => {
  const { sgx } = kernel(16);
  // an enclave takes every frame, its 14 pages on the LRU (VA + SECS + 14)
  enclave(sgx, 1024 * 1024, 14);
  assert.equal(sgx.nrFree, 0);
  const vepc = new Vepc(0, "guest", 4);
  assert.equal(sgxVepcFault(sgx, vepc, 0), VEPC_RETRY, "-EBUSY with FAULT_FLAG_ALLOW_RETRY: VM_FAULT_RETRY");
  assert.equal(sgxVepcFault(sgx, vepc, 0, false), VEPC_SIGBUS, "-EBUSY without it: SIGBUS");
  assert.equal(sgx.counters.sigbus, 1);
  const empty = kernel(4).sgx;
  const v2 = new Vepc(0, "guest", 8);
  for (let i = 0; i < 4; i++) assert.equal(sgxVepcFault(empty, v2, i), VEPC_OK);
  assert.equal(sgxVepcFault(empty, v2, 4), VEPC_SIGBUS, "-ENOMEM (nothing reclaimable) is SIGBUS even when retry is allowed");
});
