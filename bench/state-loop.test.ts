import { test } from "node:test";
import assert from "node:assert/strict";
import { stateReplay } from "./state-loop.js";
import { bareReplay } from "./bare-loop.js";

const pages = (ids: number[]): Uint32Array => Uint32Array.from(ids);

/** a seeded pseudo-random trace over `distinct` pages, every page at least once */
function randomTrace(distinct: number, requests: number): Uint32Array {
  const ids = new Uint32Array(requests);
  let x = 12345;
  for (let i = 0; i < requests; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    ids[i] = i < distinct ? i : x % distinct;
  }
  return ids;
}

test("state loop: pages that fit (with the SECS, the VA pages and 64 frames to spare) fault once each to be mapped and are never written back", () => {
  const ids = Array.from({ length: 1000 }, (_, i) => (i * 7) % 100);
  const r = stateReplay(pages(ids), ids.length, 100, 100 + 1 + 1 + 64);
  assert.equal(r.EPA, 1);
  assert.equal(r.misses, 0);
  assert.equal(r.EWB, 0);
  assert.equal(r.faults, 100, "the build leaves its pages unmapped: the first access to each maps it");
});

test("state loop: every evicted page holds one VA slot and one PCMD entry, and a batch that writes pays one ETRACK at most", () => {
  for (const [distinct, frames] of [[3000, 700], [20_000, 2000], [70_000, 60_000]] as const) {
    const r = stateReplay(randomTrace(distinct, 4 * distinct), 4 * distinct, distinct, frames);
    assert.equal(r.EPA, Math.ceil((distinct + 1) / 512), "a VA page per 512 pages counted, the SECS included");
    assert.equal(r.vaSlotsInUse, r.evicted, `${distinct} pages on ${frames} frames: VA slots in use`);
    assert.equal(r.pcmdEntries, r.evicted, `${distinct} pages on ${frames} frames: live PCMD entries`);
    assert.ok(r.evicted <= distinct && r.evicted >= distinct - (frames - r.EPA - 1));
    assert.equal(r.ELDU, r.misses);
    assert.equal(r.EWB, r.EBLOCK + r.ETRACK, "each batch's first EWB finds the epoch not tracked, ETRACKs and runs again");
    assert.ok(r.ETRACK > 0 && r.ETRACK <= r.batches);
  }
});

test("state loop: the bare loop's replacement decisions, on the frames the SECS and the VA pages leave", () => {
  // a loop over more pages than frames misses on every request in both
  const distinct = 5000;
  const ids = Array.from({ length: 20_000 }, (_, i) => i % distinct);
  const r = stateReplay(pages(ids), ids.length, distinct, 2000);
  assert.equal(r.misses, bareReplay(pages(ids), ids.length, distinct, 2000 - r.EPA - 1).misses);
  assert.equal(r.misses, 20_000);
  // and on a random trace the miss counts differ only by when the VA pages took their frames
  const n = 50_000;
  const trace = randomTrace(n, 4 * n);
  const s = stateReplay(trace, 4 * n, n, 5000);
  const b = bareReplay(trace, 4 * n, n, 5000 - s.EPA - 1);
  assert.ok(Math.abs(s.misses - b.misses) <= 0.001 * s.misses, `state loop ${s.misses} misses, bare loop ${b.misses}`);
});
