import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_TENANTS, TraceBuilder } from "./trace.js";

test("the builder grows its arrays by doubling and hands back exactly the requests", () => {
  const b = new TraceBuilder({ tenants: true, times: true, ops: true }, 1);
  const a = b.tenant("a");
  const c = b.tenant("c");
  for (let i = 0; i < 100; i++) {
    const t = i % 3 === 0 ? c : a;
    const r = b.next();
    b.page[r] = b.idsOf(t).internNumber(t === c ? i % 4 : i % 10);
    b.tenantOf![r] = t;
    b.timeNs![r] = i;
    b.write![r] = i & 1;
  }
  const t = b.finish("x.csv", "csv", false);
  assert.equal(t.requests, 100);
  for (const col of [t.page, t.tenantOf!, t.timeNs!, t.write!]) assert.equal(col.length, 100);
  assert.deepEqual(t.tenants, ["a", "c"]);
  assert.deepEqual(t.distinctPages, [10, 4]);
  assert.deepEqual([...t.timeNs!.subarray(95)], [95, 96, 97, 98, 99]);
  assert.deepEqual([...t.page.subarray(0, 4)], [0, 0, 1, 1]);
});

test("a trace without a tenant column has one unnamed tenant; tenants stop at MAX_TENANTS", () => {
  const one = new TraceBuilder({ tenants: false, times: false, ops: false });
  assert.deepEqual(one.tenants, [""]);
  const many = new TraceBuilder({ tenants: true, times: false, ops: false });
  for (let i = 0; i < MAX_TENANTS; i++) assert.equal(many.tenant(`t${i}`), i);
  assert.equal(many.tenant("one too many"), -1);
  assert.equal(many.tenant("t7"), 7);
});
