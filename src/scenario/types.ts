// The normalized scenario the engine runs. The YAML/JSON surface (schema.ts) is parsed and
// lowered into these plain types: sizes are bytes, times are integer nanoseconds, replicas are
// expanded, presets and the compact `enclave:`/`access:` form are lowered to steps.
// The types live with the code that runs them; this module gathers them for the scenario layer.
export * from "../hw/machine.js";
export * from "../kernel/config.js";
export * from "../programs/types.js";
