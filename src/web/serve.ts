// `epcsim serve`: the dashboard's server on 127.0.0.1 (another address only with --host, said on
// stderr), its URL on stdout, until it is interrupted.
import { buildServer } from "./server.js";

export interface ServeOptions {
  port: number;
  host: string | undefined;
  dir: string;
  jobs: number;
  workerUrl: URL;
}

const LOOPBACK = "127.0.0.1";

export async function serve(opts: ServeOptions): Promise<void> {
  const host = opts.host ?? LOOPBACK;
  if (opts.host !== undefined && !["127.0.0.1", "::1", "localhost"].includes(opts.host)) {
    process.stderr.write(`epcsim: warning: --host ${opts.host}: the dashboard is reachable from other machines; it has no login, and anyone who reaches it can read the files under --dir and run simulations.\n`);
  }
  const { app } = await buildServer({ dir: opts.dir, jobs: opts.jobs, workerUrl: opts.workerUrl });
  const address = await app.listen({ port: opts.port, host });
  const url = new URL(address);
  if (url.hostname === "[::1]" || url.hostname === "127.0.0.1") url.hostname = host === "localhost" ? "localhost" : url.hostname;
  process.stdout.write(`epcsim serve: ${url.href} (serving ${opts.dir}; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void app.close().then(() => resolve());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
