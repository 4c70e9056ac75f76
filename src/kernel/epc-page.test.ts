import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EpcPages, FrameList, ON_FREE, ON_LRU, ON_NONE, ON_POISON, OWNER_ENCL_PAGE, OWNER_ID_LIMIT, OWNER_NONE, OWNER_VA, OWNER_VEPC } from "./epc-page.js";

test("FrameList behaves like a deque with removal from the middle (list_head)", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("tail", "head", "remove", "pop"), fc.nat(31)), { maxLength: 200 }), (ops) => {
      const pages = new EpcPages(32);
      const list = new FrameList(pages, ON_LRU);
      const model: number[] = [];
      for (const [op, f] of ops) {
        const on = model.includes(f);
        if (op === "tail" && !on) {
          list.addTail(f);
          model.push(f);
        } else if (op === "head" && !on) {
          list.addHead(f);
          model.unshift(f);
        } else if (op === "remove" && on) {
          list.remove(f);
          model.splice(model.indexOf(f), 1);
          assert.equal(pages.list(f), ON_NONE);
        } else if (op === "pop") {
          assert.equal(list.popHead(), model.length > 0 ? model.shift() : -1);
        }
        assert.deepEqual(list.toArray(), model);
        assert.equal(list.size, model.length);
        for (const m of model) assert.equal(pages.list(m), ON_LRU);
      }
    }),
  );
});

test("frames on a free or poison list, or untouched, read as free to the kernel; others do not", () => {
  const pages = new EpcPages(4);
  assert.equal(pages.flags(0), 2);
  pages.setList(1, ON_FREE);
  assert.equal(pages.flags(1), 2);
  pages.setList(1, ON_NONE);
  pages.setFlags(1, 1);
  assert.equal(pages.flags(1), 1, "taken off the free list and tracked");
  pages.setList(1, ON_POISON);
  pages.setFlags(1, 2);
  assert.equal(pages.flags(1), 2, "IS_FREE alone on the poison list");
  pages.setList(2, ON_LRU);
  pages.setFlags(2, 2);
  assert.equal(pages.flags(2), 0, "IS_FREE follows the list, not the caller");
});

test("a frame's owner keeps its id (or -1) and its kind apart, and ids past 30 bits are refused", () => {
  const pages = new EpcPages(2);
  for (const kind of [OWNER_NONE, OWNER_ENCL_PAGE, OWNER_VA, OWNER_VEPC]) {
    pages.setOwnerKind(0, kind);
    pages.setOwnerOf(0, -1);
    assert.deepEqual([pages.ownerKind(0), pages.ownerOf(0)], [kind, -1]);
    pages.setOwnerOf(0, OWNER_ID_LIMIT - 1);
    assert.deepEqual([pages.ownerKind(0), pages.ownerOf(0)], [kind, OWNER_ID_LIMIT - 1]);
    pages.setOwnerOf(0, 5);
    pages.setOwnerKind(0, kind);
    assert.deepEqual([pages.ownerKind(0), pages.ownerOf(0)], [kind, 5]);
  }
  assert.throws(() => pages.setOwnerOf(1, OWNER_ID_LIMIT), /does not fit/);
});
