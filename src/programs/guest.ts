// A KVM guest: it opens /dev/sgx_vepc, maps its EPC and faults pages in (virt.c does the rest).
import {
  PAGE_SIZE,
} from "../kernel/sgx.js";
import { sgxVepcFault, Vepc, VEPC_RETRY, VEPC_SIGBUS } from "../kernel/virt.js";
import { UserThread } from "../engine/process.js";
import { refusalCause } from "../engine/cause.js";

import { killProcess } from "../engine/tasks.js";
import { faultRetried } from "../engine/livelock.js";
import type { Simulator } from "../engine/sim.js";

/** a KVM guest: open /dev/sgx_vepc, map `bytes`, fault in `touch` bytes of it */
export function* runGuest(sim: Simulator, t: UserThread, bytes: number, touch: number): Generator<number, boolean, void> {
  const p = t.proc;
  const vepc = new Vepc(sim.sgx.vepcs.length, p.name, Math.floor(bytes / PAGE_SIZE));
  sim.sgx.vepcs.push(vepc);
  p.vepc = vepc;
  yield sim.costs.mmapCall;
  const pages = Math.min(Math.floor(touch / PAGE_SIZE), vepc.pageArray.length);
  for (let i = 0; i < pages; i++) {
    for (;;) {
      if (p.exiting) return false;
      const faultStart = sim.nowNs;
      const r = sgxVepcFault(sim.sgx, vepc, i);
      yield sim.sgx.takeCost();
      if (r === VEPC_SIGBUS) {
        killProcess(sim, p, "SIGBUS", refusalCause(sim.sgx.lastRefusal, t.name, faultStart, "vEPC fault") ?? { kind: "fault", atNs: sim.nowNs, op: "vEPC fault", signal: "SIGBUS", page: i });
        return false;
      }
      if (r !== VEPC_RETRY) break;
      faultRetried(sim, t, i, "vEPC fault");
      if (sim.livelock !== null) return false;
    }
    t.faultRetriesInARow = 0;
  }
  return true;
}
