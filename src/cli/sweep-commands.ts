// The commands of issue 14 on the program: sweep (with its --emit-k8s-job and --queue), advise, worker.
import type { Command } from "commander";
import { addSweepCommand } from "./sweep.js";
import { addAdviseCommand } from "./advise.js";
import { addWorkerCommand } from "./worker.js";

export function addSweepCommands(program: Command): void {
  addSweepCommand(program);
  addAdviseCommand(program);
  addWorkerCommand(program);
}
