import { test } from "node:test";
import assert from "node:assert/strict";
import { inlineRunner, SMALL_BASE, TINY_V5 } from "../testing/sweep-fixtures.js";
import { parseScenarioText } from "../scenario/load.js";
import { simulate } from "../programs/run.js";
import { Advisor, type AdviseOptions } from "./advise.js";
import { exitOutcome } from "./result.js";

const options = (o: Partial<AdviseOptions>): AdviseOptions => ({ cgroups: ["/a"], step: 65536, budget: { kind: "slowdown", max: 1.2 }, seeds: null, kernel: null, ...o });

/** a run of `text` with /a's misc.max set, simulated directly (not through the advisor) */
function direct(text: string, limit: number | "max", seed?: number): { exits: string[]; ns: number; kills: number } {
  const s = simulate(parseScenarioText(text, "t.yaml", { set: { 'cgroups["/a"]["misc.max"]': `sgx_epc ${limit}` }, ...(seed === undefined ? {} : { seed }) }));
  return { exits: s.processes.map(exitOutcome), ns: s.simulatedNs, kills: s.oom.filter((o) => o.kill).length };
}

test("advise: the smallest limit, to the step, at which the exits are the unlimited run's and the time within 1.2×, for every seed", async () => {
  const runner = inlineRunner();
  const [rec] = await new Advisor(SMALL_BASE, "t.yaml", options({ seeds: [1, 2] }), runner, ".").recommendAll();
  assert.ok(rec !== undefined && rec.miscMax !== null && rec.at !== null && rec.below !== null);
  assert.equal(rec.cgroup, "/a");
  assert.equal(rec.below.miscMax, rec.miscMax - 65536);
  assert.ok(rec.at.ok && !rec.below.ok);
  // the same conditions checked on direct runs, at every step up to the answer: only the answer (and above) meet them
  const ok = (limit: number): boolean =>
    [1, 2].every((seed) => {
      const u = direct(SMALL_BASE, "max", seed);
      const r = direct(SMALL_BASE, limit, seed);
      return r.exits.join() === u.exits.join() && r.ns <= 1.2 * u.ns;
    });
  for (let limit = 0; limit < rec.miscMax; limit += 65536) assert.ok(!ok(limit), `${limit} also meets the conditions`);
  assert.ok(ok(rec.miscMax));
  // bisection, not a scan: far fewer runs than steps (x2 seeds)
  assert.ok(runner.ran.length < 2 * (rec.miscMax / 65536), `${runner.ran.length} runs`);
});

test("advise --max-faults-per-s: the budget is the cgroup's faults per simulated second beyond the unlimited run's", async () => {
  const [loose] = await new Advisor(SMALL_BASE, "t.yaml", options({ budget: { kind: "faultsPerS", max: 1e9 } }), inlineRunner(), ".").recommendAll();
  const [tight] = await new Advisor(SMALL_BASE, "t.yaml", options({ budget: { kind: "faultsPerS", max: 1 } }), inlineRunner(), ".").recommendAll();
  assert.ok(loose?.miscMax !== null && tight?.miscMax !== null);
  assert.ok((loose?.miscMax ?? 0) < (tight?.miscMax ?? 0), `${loose?.miscMax} < ${tight?.miscMax}`);
  assert.ok((tight?.at?.faultsPerS ?? Infinity) <= 1);
  assert.ok((tight?.below?.faultsPerS ?? 0) > 1);
});

test("advise under v5: the limit below which the OOM path kills, found by running every step", async () => {
  const [rec] = await new Advisor(TINY_V5, "t.yaml", options({ step: 16384 }), inlineRunner(), ".").recommendAll();
  assert.ok(rec?.oomKillsBelow !== undefined);
  const below = rec.oomKillsBelow;
  assert.ok(below > 0);
  assert.ok(direct(TINY_V5, below - 16384).kills > 0, "a kill just below it");
  for (let limit = below; limit <= (rec.miscMax ?? 0); limit += 16384) assert.equal(direct(TINY_V5, limit).kills, 0, `no kill at ${limit}`);
  // a limit too small for the enclaves' first pages ends in ENOMEM, not a kill: kills are not monotone
  assert.equal(direct(TINY_V5, 16384).kills, 0);
});

test("advise: bad input is one line naming the flag", () => {
  assert.throws(() => new Advisor(SMALL_BASE, "t.yaml", options({ cgroups: ["/b"] }), inlineRunner(), "."), { message: "--cgroup /b: expected a cgroup of t.yaml's cgroups section (/a)." });
  assert.throws(() => new Advisor(SMALL_BASE.replace("kernel: v17", "kernel: mainline"), "t.yaml", options({}), inlineRunner(), "."), /which has no sgx_epc limit/);
});
