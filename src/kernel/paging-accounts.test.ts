import { test } from "node:test";
import assert from "node:assert/strict";
import { CgroupTree, type Cgroup } from "../cgroup/misc.js";
import { PagingAccounts, PG_EWB_PAGES, PG_FAULTS } from "./paging-accounts.js";
import { PairTags } from "../lib/pair-tags.js";

test("paging accounts: an event counts for the cgroup and its ancestors, and for the process", () => {
  const tree = new CgroupTree(1 << 20);
  const a = tree.mkdir("/a") as Cgroup;
  const b = tree.mkdir("/a/b") as Cgroup;
  const acc = new PagingAccounts(new PairTags(16));
  acc.count(PG_FAULTS, b, 7);
  acc.count(PG_FAULTS, a, 8);
  assert.equal(acc.cgroupTotal(tree.root, PG_FAULTS), 2);
  assert.equal(acc.cgroupTotal(a, PG_FAULTS), 2);
  assert.equal(acc.cgroupTotal(b, PG_FAULTS), 1);
  assert.equal(acc.processTotal(7, PG_FAULTS), 1);
  acc.allocated(3, b, 7);
  acc.countFrame(PG_EWB_PAGES, 3, tree.all);
  assert.equal(acc.cgroupTotal(a, PG_EWB_PAGES), 1);
  assert.deepEqual(acc.cgroupEpc(a), { pages: 1, peakPages: 1 });
  acc.freed(3, tree.all);
  assert.deepEqual(acc.cgroupEpc(a), { pages: 0, peakPages: 1 });
  assert.deepEqual(acc.processEpc(7), { pages: 0, peakPages: 1 });
  acc.countFrame(PG_EWB_PAGES, 3, tree.all);
  assert.equal(acc.cgroupTotal(a, PG_EWB_PAGES), 1, "a freed frame counts for no one");
});

test("paging accounts: a frame keeps its owner past 65,535 (cgroup, process) pairs", () => {
  const tree = new CgroupTree(1 << 20);
  const acc = new PagingAccounts(new PairTags(4));
  for (let pid = 1; pid <= 70_000; pid++) acc.allocated(pid % 4, tree.root, pid);
  assert.equal(acc.frameCgroupId(3), tree.root.id + 1);
  acc.countFrame(PG_EWB_PAGES, 3, tree.all);
  assert.equal(acc.processTotal(69_999, PG_EWB_PAGES), 1, "frame 3 was last allocated for pid 69,999");
});
