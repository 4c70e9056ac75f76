// Loading a scenario, the public entry point: parse YAML or JSON keeping positions (parse.ts),
// validate it against the schema (validate.ts, reporting through loader.ts), check what the schema
// cannot express and lower it to the engine's `Scenario` (lower.ts, lower-program.ts). Every problem
// becomes a ScenarioError whose message is one line: FILE:LINE:COL: field.path: what was expected.
import { readFileSync } from "node:fs";
import type { Scenario } from "./types.js";
import { decodeUtf8, lineCol } from "./file-text.js";
import { ScenarioError } from "./errors.js";
import { Loader } from "./loader.js";
import { lower, type LoadOverrides } from "./lower.js";

export { ScenarioError } from "./errors.js";
export { cgroupWriteSetBy, eevdfBaseSliceNs, type LoadOverrides } from "./lower.js";

export function parseScenarioText(text: string, source: string, overrides: LoadOverrides = {}): Scenario {
  return lower(new Loader(text, source), overrides);
}

export function loadScenarioFile(path: string, overrides: LoadOverrides = {}): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "ENOENT" ? "no such file" : err.code === "EISDIR" ? "it is a directory" : err.message;
    throw new ScenarioError(`${path}: cannot read the scenario file: ${reason}.`);
  }
  const decoded = decodeUtf8(bytes);
  if (!("text" in decoded)) {
    const pos = lineCol(new TextDecoder().decode(bytes), decoded.offset);
    throw new ScenarioError(`${path}:${pos.line}:${pos.col}: the file is not valid YAML or JSON: ${decoded.message}`);
  }
  return parseScenarioText(decoded.text, path, overrides);
}
