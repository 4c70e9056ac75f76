// The bench's scenarios: one EPC section, processes running the same steps, mainline.
import type { Scenario, Step } from "../src/scenario/types.js";

/** `replicas` processes p0, p1, ... running `steps` on an EPC of `epcBytes` */
export function scenario(epcBytes: number, steps: Step[], replicas = 1, profile = "client-128m"): Scenario {
  return {
    source: "bench",
    kernel: "mainline",
    seed: 1,
    untilNs: null,
    machine: { sections: [{ size: epcBytes, node: 0 }], numaNodes: 1, cpus: 8, sgx2: true, profile, costs: {} },
    options: { eaugRaceFix: false, timedSanitize: false, schedQuantumNs: 3_000_000 },
    processes: Array.from({ length: replicas }, (_, i) => ({ name: `p${i}`, start: 0, cgroup: "/", steps })),
    events: [],
    cgroups: [],
  };
}
