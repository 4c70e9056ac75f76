import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EpcPages, FrameList, ON_FREE, ON_LRU, ON_NONE } from "./epc-page.js";

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

test("untouched frames read as free to the kernel", () => {
  const pages = new EpcPages(4);
  assert.equal(pages.kernelFlags(0), 2);
  pages.setList(1, ON_FREE);
  pages.setFlags(1, 0);
  assert.equal(pages.kernelFlags(1), 0);
});
