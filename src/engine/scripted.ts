// What a scenario does from outside the processes: its cgroups created at time zero with their file
// writes, and its timed events (kills, injected ENCLS failures, memory failures, cgroup file
// operations), run in ksgxd's context as timers.
import { fileOp, mkdirP, type FileOp, type FileOpHost } from "../cgroup/file-ops.js";
import { archMemoryFailure } from "../kernel/alloc.js";
import { ESRCH } from "../lib/errno.js";
import { memcgOomRound } from "./oom.js";
import type { Process } from "./process.js";
import { mainlineHasNoSgxEpc, refusedWriteMessage, ScenarioSetupError } from "./setup-error.js";
import type { Simulator } from "./sim.js";
import { killProcess, moveProcess } from "./tasks.js";
import type { ScheduledAction, SimScenario } from "./world.js";

/** processes named `name`, or every replica of the base name `name` */
export function instances(sim: Simulator, name: string): Process[] {
  return sim.processes.filter((p) => p.name === name || p.name.startsWith(`${name}[`));
}

/** what the scripted file operations see of the simulation (cgroup/file-ops.ts) */
export function fileOpHost(sim: Simulator): FileOpHost<Process> {
  return {
    fs: {
      tree: sim.sgx.cgroups,
      movePid: (pid, cg) => {
        const p = sim.processes.find((q) => q.pid === pid && q.started && !q.exited);
        if (p === undefined) return -ESRCH;
        moveProcess(p, cg);
        return 0;
      },
      memcgOomForLimit: (cg) => memcgOomRound(sim, cg),
    },
    now: () => sim.nowNs,
    liveInstances: (name) => instances(sim, name).filter((p) => p.started && !p.exited),
    moveProcess: (p, cg) => moveProcess(p, cg),
    record: (op: FileOp) => {
      sim.fileOps.push(op);
      sim.emit({ type: "file-op", ...op });
    },
  };
}

/** the scenario's cgroups, created at time zero (mkdir -p), with their file writes */
export function createCgroups(sim: Simulator, scenario: SimScenario): void {
  for (const cfg of scenario.cgroups) {
    mkdirP(sim.sgx.cgroups, cfg.path);
    for (const w of cfg.writes) {
      const op = sim.fileOps.length;
      fileOp(sim.fileOpHost, { type: "write", path: `${cfg.path === "/" ? "" : cfg.path}/${w.file}`, value: w.value });
      // a limit that does not apply would silently run unlimited: bad input, unless it is the point
      const result = sim.fileOps[op]?.result ?? "ok";
      if (result !== "ok" && result !== cfg.expect && !mainlineHasNoSgxEpc(scenario.kernel, w.file, w.value)) throw new ScenarioSetupError(refusedWriteMessage(scenario.source, scenario.kernel, cfg.path, w.file, w.value, result), { source: scenario.source, kernel: scenario.kernel, path: cfg.path, file: w.file, value: w.value, errno: result });
    }
  }
}

/** one timed event of the scenario */
export function runScheduled(sim: Simulator, action: ScheduledAction): void {
  switch (action.type) {
    case "kill":
      for (const p of instances(sim, action.target)) killProcess(sim, p, action.signal, { kind: "signal", atNs: sim.nowNs, signal: action.signal });
      return;
    case "injectFailure":
      sim.sgx.epcm.injectFailures(action.leaf, action.count);
      return;
    case "memoryFailure": {
      const victim = action.process === null ? undefined : sim.processes.find((p) => p.name === action.process);
      const task = victim?.threads.find((t) => !t.done);
      const saved = sim.currentRef;
      if (task !== undefined) sim.currentRef = task;
      archMemoryFailure(sim.sgx, action.frame, action.actionRequired && task !== undefined);
      sim.currentRef = saved;
      return;
    }
    default:
      fileOp(sim.fileOpHost, action);
  }
}
