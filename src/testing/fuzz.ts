// `npm run fuzz`: the property test's model (property-model.ts) for many more cases than CI runs.
// It stops at the first failing case without shrinking (fast-check's endOnFailure), or shrinks for
// at most --shrink seconds, and writes that case as a scenario file that `epcsim run` reproduces.
//
//   npm run fuzz -- [--cases N] [--seed N] [--path P] [--shrink SECONDS] [--out FILE]
//   (or EPCSIM_FUZZ_CASES, EPCSIM_FUZZ_SEED; defaults: 100000 cases, seed 1, printed)
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import fc from "fast-check";
import { caseArb, caseScenario, caseYaml, checkRun, type PropertyCase } from "./property-model.js";

interface FuzzOptions {
  cases: number;
  seed: number;
  /** replay one case (fast-check's counterexample path) instead of searching */
  path: string | undefined;
  shrinkSeconds: number;
  out: string | undefined;
}

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n`);
  process.exit(2);
}

function wholeNumber(name: string, text: string | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined || text === "") return fallback;
  if (!/^\d+$/.test(text) || Number(text) > max) fail(`${name}: expected a whole number from 0 to ${max}, got "${text}".`);
  return Number(text);
}

function options(argv: string[]): FuzzOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { cases: { type: "string" }, seed: { type: "string" }, path: { type: "string" }, shrink: { type: "string" }, out: { type: "string" } },
      strict: true,
    });
  } catch (e) {
    fail(`${(e as Error).message} (expected --cases, --seed, --path, --shrink or --out).`);
  }
  const v = parsed.values;
  const path = v.path;
  if (path !== undefined && !/^\d+(:\d+)*$/.test(path)) fail(`--path: expected a counterexample path such as 3448 or 3448:1:0, got "${path}".`);
  return {
    cases: wholeNumber("--cases", v.cases ?? process.env.EPCSIM_FUZZ_CASES, 100_000),
    // fast-check seeds are 32-bit; a fixed default, so that two runs of `npm run fuzz` try the same
    // cases (pass --seed or EPCSIM_FUZZ_SEED for others); the wall clock only bounds the run's time
    seed: wholeNumber("--seed", v.seed ?? process.env.EPCSIM_FUZZ_SEED, 1, 2 ** 31 - 1),
    path,
    shrinkSeconds: wholeNumber("--shrink", v.shrink, 0),
    out: v.out,
  };
}

const firstLines = (e: unknown): string =>
  (e instanceof Error ? e.message : String(e))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(0, 6)
    .join("\n");

function main(): number {
  const o = options(process.argv.slice(2));
  const started = performance.now();
  let ran = 0;
  let lastReport = started;
  const property = fc.property(caseArb, (s: PropertyCase) => {
    ran++;
    const now = performance.now();
    if (now - lastReport > 30_000) {
      lastReport = now;
      process.stderr.write(`fuzz: ${ran} cases, ${((now - started) / 1000).toFixed(0)} s\n`);
    }
    checkRun(caseScenario(s));
  });
  const replay = o.path === undefined ? {} : { path: o.path };
  process.stderr.write(`fuzz: seed ${o.seed}, ${o.path === undefined ? `${o.cases} cases` : `case path ${o.path}`}\n`);
  const found = fc.check(property, { seed: o.seed, numRuns: o.path === undefined ? o.cases : 1, endOnFailure: true, ...replay });
  const seconds = (performance.now() - started) / 1000;
  if (!found.failed) {
    process.stdout.write(
      o.path === undefined ? `fuzz: ${found.numRuns} cases ran in ${seconds.toFixed(1)} s (seed ${o.seed}); none failed.\n` : `fuzz: case path ${o.path} of seed ${o.seed} passed.\n`,
    );
    return 0;
  }
  let failure = { value: (found.counterexample as [PropertyCase])[0], path: found.counterexamplePath ?? "", error: found.errorInstance };
  // the case's number in the seed's sequence (1-based): a replayed path starts with its index
  const caseNumber = o.path === undefined ? found.numRuns : Number(o.path.split(":")[0]) + 1;
  let shrunk = "";
  if (o.shrinkSeconds > 0) {
    // shrink from the failing case for at most the time given; what is reached then is kept
    const s = fc.check(property, { seed: o.seed, path: failure.path, plugins: [fc.interruptAfterTimeLimit(o.shrinkSeconds * 1000)] });
    if (s.failed && s.counterexample !== null) {
      failure = { value: (s.counterexample as [PropertyCase])[0], path: s.counterexamplePath ?? failure.path, error: s.errorInstance };
      shrunk = ` shrunk for at most ${o.shrinkSeconds} s (${s.numShrinks} steps)`;
    }
  }
  const file = resolve(o.out ?? `epcsim-fuzz-seed${o.seed}-case${caseNumber}.yaml`);
  const replayCmd = `npm run fuzz -- --seed ${o.seed} --path ${failure.path}`;
  const comment = [
    `npm run fuzz: case ${caseNumber} of seed ${o.seed} failed after ${seconds.toFixed(1)} s${shrunk === "" ? "" : `,${shrunk}`}.`,
    `Replay it with \`${replayCmd}\`, or run this file with \`epcsim run --check-invariants\`.`,
    "What failed:",
    ...firstLines(failure.error).split("\n").map((l) => `  ${l}`),
  ].join("\n");
  writeFileSync(file, caseYaml(failure.value, comment));
  process.stdout.write(
    `fuzz: case ${caseNumber} of seed ${o.seed} failed after ${seconds.toFixed(1)} s${shrunk === "" ? "" : `,${shrunk}`}:\n${firstLines(failure.error)}\n` +
      `fuzz: the scenario is in ${file}\nfuzz: run it with: npx epcsim run --check-invariants ${file}\nfuzz: replay the case with: ${replayCmd}\n`,
  );
  return 1;
}

process.exitCode = main();
