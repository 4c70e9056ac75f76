import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scenarioJsonSchema, topSchema } from "./schema.js";

interface JsonSchema {
  $schema?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: unknown;
}

test("the JSON Schema is JSON, strict, and describes every top-level key", () => {
  const schema = JSON.parse(JSON.stringify(scenarioJsonSchema())) as JsonSchema;
  assert.match(schema.$schema ?? "", /json-schema\.org/);
  assert.equal(schema.type, "object");
  assert.equal(schema.additionalProperties, false, "unknown top-level keys are errors for editors too");
  const keys = Object.keys(topSchema.shape);
  for (const key of ["kernel", "seed", "until", "machine", "options", "processes", "events"]) assert.ok(keys.includes(key), key);
  for (const key of keys) {
    const prop = schema.properties?.[key];
    assert.ok(prop !== undefined, `top-level key ${key}`);
    assert.ok((prop.description ?? "").length > 0, `a description for ${key}`);
  }
  // sizes and times are string|integer, with a description
  for (const [name, prop] of [
    ["until", schema.properties?.until],
    ["machine.epc", schema.properties?.machine?.properties?.epc],
  ] as const) {
    assert.deepEqual(prop?.type, ["integer", "string"], name);
    assert.ok((prop?.description ?? "").length > 0, name);
  }
  const text = JSON.stringify(schema);
  for (const key of ["enclave", "preset", "vm", "steps", "addPages", "modifyTypes", "memoryFailure", "kill", "phases", "ERESTARTSYS", "SIGTERM"]) {
    assert.ok(text.includes(`"${key}"`), key);
  }
});

test("every property in the JSON Schema has a description", () => {
  const missing: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
    if (node === null || typeof node !== "object") return;
    const props = (node as JsonSchema).properties;
    if (props !== undefined) for (const [k, v] of Object.entries(props)) if (!v.description) missing.push(`${path}.${k}`);
    for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
  };
  walk(scenarioJsonSchema(), "");
  assert.deepEqual(missing, []);
});

test("the published schema/scenario.schema.json is up to date (npm run schema)", () => {
  const file = fileURLToPath(new URL("../../../schema/scenario.schema.json", import.meta.url));
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), JSON.parse(JSON.stringify(scenarioJsonSchema())));
});
