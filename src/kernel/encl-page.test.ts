import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { EnclPageMap, EnclPages, EP_LOST, EP_PENDING, EXTENT_PAGES, pteIndex } from "./encl-page.js";
import { SGX_ENCL_PAGE_BEING_RECLAIMED, SGX_ENCL_PAGE_VA_OFFSET_MASK } from "./sgx.js";

/** a plain model of one enclave's xarray: index -> descriptor id */
type Model = Map<number, number>;

test("EnclPageMap behaves like an xarray of descriptors, detached ones included, in index order", () => {
  // indices from a few stretches, so that extents are shared, and allocations that collide
  const index = fc.oneof(fc.nat(40), fc.integer({ min: EXTENT_PAGES - 20, max: EXTENT_PAGES + 20 }), fc.integer({ min: 9 * EXTENT_PAGES, max: 9 * EXTENT_PAGES + 5 }));
  const op = fc.oneof(
    fc.record({ kind: fc.constant("alloc" as const), index }),
    fc.record({ kind: fc.constant("insert" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("erase" as const), index }),
    fc.record({ kind: fc.constant("free" as const), pick: fc.nat() }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const pages = new EnclPages(16);
      const map = new EnclPageMap(pages, 3);
      const model: Model = new Map();
      // allocated, not inserted: [id, index]
      const tentative: [number, number][] = [];
      for (const o of ops) {
        if (o.kind === "alloc") {
          const id = pages.alloc(map, o.index, 2, 7);
          assert.equal(pages.enclOf(id), 3);
          assert.equal(pages.index(id), o.index);
          assert.equal(pages.type(id), 2);
          assert.equal(pages.maxProt(id), 7);
          assert.equal(pages.frameOf(id), -1);
          for (const [t] of tentative) assert.notEqual(t, id, "a tentative descriptor is not handed out twice");
          for (const v of model.values()) assert.notEqual(v, id, "a mapped descriptor is not handed out again");
          tentative.push([id, o.index]);
        } else if (o.kind === "insert" && tentative.length > 0) {
          const [id, i] = tentative.splice(o.pick % tentative.length, 1)[0] as [number, number];
          if (map.get(i) >= 0) {
            // xa_insert() -EBUSY: the caller frees its descriptor
            pages.release(id);
          } else {
            map.set(i, id);
            model.set(i, id);
          }
        } else if (o.kind === "erase") {
          const id = map.get(o.index);
          map.set(o.index, -1);
          if (id >= 0) pages.release(id);
          model.delete(o.index);
        } else if (o.kind === "free" && tentative.length > 0) {
          const [id] = tentative.splice(o.pick % tentative.length, 1)[0] as [number, number];
          pages.release(id);
        }
        assert.equal(map.count, model.size);
        for (const [i, id] of model) assert.equal(map.get(i), id);
        const seen: [number, number][] = [];
        map.forEach(0, 2 ** 20, (i, id) => seen.push([i, id]));
        assert.deepEqual(seen, [...model].sort((a, b) => a[0] - b[0]));
      }
    }),
  );
});

test("a released enclave's extents are reused by the next enclave, and detached descriptors keep their index", () => {
  const pages = new EnclPages(0);
  const a = new EnclPageMap(pages, 0);
  const secs = pages.allocDetached(0, 0, 0, 0);
  pages.setDetachedIndex(secs, 4096);
  assert.equal(pages.index(secs), 4096);
  assert.equal(pages.enclOf(secs), 0);
  const ids: number[] = [];
  for (let i = 0; i < 3 * EXTENT_PAGES; i += 7) {
    const id = pages.alloc(a, i, 2, 3);
    a.set(i, id);
    ids.push(id);
  }
  const capacity = pages.capacity;
  for (const id of ids) pages.release(id);
  a.clear();
  pages.release(secs);
  assert.equal(pages.live, 0);
  const b = new EnclPageMap(pages, 1);
  for (let i = 0; i < 3 * EXTENT_PAGES; i += 7) b.set(i, pages.alloc(b, i, 2, 3));
  assert.equal(pages.capacity, capacity, "the freed extents were enough");
  assert.equal(pages.enclOf(b.get(7)), 1);
  assert.equal(a.get(7), -1);
});

test("desc and the EP_* flags share a word without touching each other's bits", () => {
  const pages = new EnclPages(0);
  const map = new EnclPageMap(pages, 0);
  const id = pages.alloc(map, 5, 2, 7);
  map.set(5, id);
  pages.setFlags(id, pages.flagsOf(id) | EP_LOST | EP_PENDING);
  pages.setDesc(id, pages.descOf(id) | SGX_ENCL_PAGE_VA_OFFSET_MASK);
  pages.setDesc(id, pages.descOf(id) & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  assert.equal(pages.descOf(id) & SGX_ENCL_PAGE_VA_OFFSET_MASK, SGX_ENCL_PAGE_VA_OFFSET_MASK & ~SGX_ENCL_PAGE_BEING_RECLAIMED);
  pages.setDesc(id, pages.descOf(id) & ~SGX_ENCL_PAGE_VA_OFFSET_MASK);
  assert.equal(pages.flagsOf(id) & (EP_LOST | EP_PENDING), EP_LOST | EP_PENDING);
  assert.equal(map.get(5), id, "the MAPPED bit survived");
  pages.setType(id, 4);
  assert.equal(pages.maxProt(id), 7);
  pages.setMaxProt(id, 1);
  assert.equal(pages.type(id), 4);
});

test("a page's one word is its frame while resident and its VA page while evicted; va_page is never NULL again", () => {
  const pages = new EnclPages(0);
  const map = new EnclPageMap(pages, 0);
  const id = pages.alloc(map, 9, 2, 7);
  assert.equal(pages.frameOf(id), -1);
  assert.equal(pages.vaPageOf(id), -1);
  assert.equal(pages.hasVaPage(id), false, "no EWB yet: va_page is NULL");
  pages.setFrame(id, 0);
  assert.equal(pages.frameOf(id), 0, "frame 0 is a frame");
  pages.setEvicted(id, 0);
  pages.setPcmd(id, 0x2b);
  assert.equal(pages.frameOf(id), -1);
  assert.equal(pages.vaPageOf(id), 0, "VA page 0 is a VA page");
  pages.setFrame(id, -1);
  assert.equal(pages.vaPageOf(id), 0, "marking an evicted page not resident keeps its VA page");
  pages.setFrame(id, 77);
  assert.equal(pages.frameOf(id), 77);
  assert.equal(pages.vaPageOf(id), -1);
  assert.equal(pages.hasVaPage(id), true, "va_page stays set after the reload");
  pages.setFrame(id, -1);
  assert.equal(pages.vaPageOf(id), -1, "a failed EWB leaves no VA page");
  assert.equal(pages.pcmdOf(id), 0x2b);
  assert.equal(pages.type(id), 2);
  assert.equal(pages.maxProt(id), 7, "EP_HAS_VA_PAGE shares the type byte without touching it");
});

test("prefetch() reads the PTE words of the pages it is given, and only theirs", () => {
  const pages = new EnclPages(16);
  const map = new EnclPageMap(pages, 1);
  const ids = [0, 1, 2].map((i) => pages.alloc(map, i, 2, 7));
  const plane = pages.ptePlane(0);
  plane[pteIndex(ids[0] as number)] = 0b01;
  plane[pteIndex(ids[2] as number)] = 0b1000;
  assert.equal(pages.prefetch(Int32Array.from(ids), 3), 0b1001);
  assert.equal(pages.prefetch(Int32Array.from(ids), 2), 0b01, "only the first n pages are read");
  assert.equal(pages.prefetch(Int32Array.from([ids[1] as number]), 1), 0);
});
