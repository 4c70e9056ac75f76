// `epcsim serve`'s options checked as the CLI checks its input, then the dashboard (web/serve.ts),
// whose simulations run in serve-worker.ts's threads.
import { statSync } from "node:fs";
import { serve } from "../web/serve.js";

export async function serveCommand(opts: { port: string; host?: string; dir: string; jobs: string }, usage: (message: string) => Error): Promise<void> {
  const port = Number(opts.port);
  if (!/^\d+$/.test(opts.port) || port > 65535) throw usage(`--port: expected a TCP port from 0 to 65535, got "${opts.port}".`);
  const jobs = Number(opts.jobs);
  if (!/^\d+$/.test(opts.jobs) || jobs < 1 || jobs > 64) throw usage(`--jobs: expected a whole number from 1 to 64, got "${opts.jobs}".`);
  let isDir = false;
  try {
    isDir = statSync(opts.dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw usage(`--dir ${opts.dir}: expected an existing directory.`);
  await serve({ port, host: opts.host, dir: opts.dir, jobs, workerUrl: new URL("./serve-worker.js", import.meta.url) });
}
