import { test } from "node:test";
import assert from "node:assert/strict";
import { TenantNames } from "./tenant-names.js";
import { TraceBuilder } from "./trace.js";

test("tenant names: first-seen indices, kept apart from the buffer they were read from", () => {
  const b = new TraceBuilder({ tenants: true, times: false, ops: false });
  const names = new TenantNames(b);
  const buf = Buffer.from("db,web,db");
  assert.equal(names.lookup(buf, 0, 2), 0);
  assert.equal(names.lookup(buf, 3, 6), 1);
  assert.equal(names.lookup(buf, 7, 9), 0);
  // the read buffer is reused for the next chunk: a new name in the same bytes is a new tenant
  buf.write("xy", 0);
  assert.equal(names.lookup(buf, 0, 2), 2);
  buf.write("db", 0);
  assert.equal(names.lookup(buf, 0, 2), 0);
  assert.deepEqual(b.tenants, ["db", "web", "xy"]);
});

test("tenant names: UTF-8 names are decoded as UTF-8", () => {
  const b = new TraceBuilder({ tenants: true, times: false, ops: false });
  const buf = Buffer.from("zürich");
  assert.equal(new TenantNames(b).lookup(buf, 0, buf.length), 0);
  assert.deepEqual(b.tenants, ["zürich"]);
});
