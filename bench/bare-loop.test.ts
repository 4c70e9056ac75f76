import { test } from "node:test";
import assert from "node:assert/strict";
import { bareReplay } from "./bare-loop.js";

const pages = (ids: number[]): Uint32Array => Uint32Array.from(ids);

test("bare loop: a trace whose pages all fit (64 frames to spare) misses nothing after the build", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => (i * 7) % 100);
  const r = bareReplay(pages(ids), ids.length, 100, 100 + 64);
  assert.deepEqual(r, { requests: 1000, misses: 0, missRatio: 0, batches: 0 });
});

test("bare loop: a loop over more pages than frames misses on every request (the LRU's oldest page is always the next one)", () => {
  const distinct = 500;
  const ids = Array.from({ length: 5000 }, (_, i) => i % distinct);
  const r = bareReplay(pages(ids), ids.length, distinct, 200);
  assert.equal(r.misses, 5000);
  assert.ok(r.batches > 0);
});

test("bare loop: an accessed page gets a second chance from the reclaimer, an unaccessed one is reclaimed", () => {
  // 164 pages on 100 frames: the build reclaims the oldest; `oldest` is the first page still resident
  const distinct = 164;
  const frames = 100;
  const resident = (p: number): boolean => bareReplay(pages([p]), 1, distinct, frames).misses === 0;
  const oldest = Array.from({ length: distinct }, (_, p) => p).find(resident) as number;
  const cold = Array.from({ length: oldest }, (_, p) => p).slice(0, 40);
  assert.equal(cold.length, 40, "the build left at least 40 pages out");
  // 40 cold misses take the free frames below the low watermark: the next batch starts at `oldest`
  const accessedFirst = bareReplay(pages([oldest, ...cold, oldest]), 42, distinct, frames);
  const notAccessed = bareReplay(pages([...cold, oldest]), 41, distinct, frames);
  assert.equal(accessedFirst.misses, 40, "accessed before the batch: it stays");
  assert.equal(notAccessed.misses, 41, "not accessed: the batch takes it");
});

test("bare loop: a page faulted in is young (the retried access sets its accessed bit), unlike a new object in libCacheSim's CLOCK", () => {
  // a hot set of 100 pages, each request followed by a page never seen again, on 300 frames: the
  // one-time pages survive one pass of the reclaimer only if the faulting access marked them
  const hot = 100;
  const ids: number[] = [];
  let once = hot;
  for (let i = 0; i < 20_000; i++) ids.push(i % hot, once++);
  const young = bareReplay(pages(ids), ids.length, once, 300, true);
  const cold = bareReplay(pages(ids), ids.length, once, 300, false);
  assert.ok(young.misses > cold.misses, `young on fault ${young.misses} misses, not young ${cold.misses}`);
  // not young: the one-time pages go first, so after the warm-up the hot set stays resident
  assert.equal(cold.misses, 20_000 + hot, "not young: one miss per one-time page and one per hot page after the build");
  assert.ok(young.misses > 25_000, `young on fault: ${young.misses} misses, the hot set evicted again and again`);
});
