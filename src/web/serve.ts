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
  const loopbackOnly = opts.host === undefined || ["127.0.0.1", "::1", "localhost"].includes(opts.host);
  if (!loopbackOnly) {
    process.stderr.write(`epcsim: warning: --host ${opts.host}: the dashboard is reachable from other machines; it has no login, and anyone who reaches it can read the files under --dir and run simulations.\n`);
  }
  const { app } = await buildServer({ dir: opts.dir, jobs: opts.jobs, workerUrl: opts.workerUrl, loopbackOnly });
  await app.listen({ port: opts.port, host });
  const addr = app.server.address();
  const port = addr !== null && typeof addr === "object" ? addr.port : opts.port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  process.stdout.write(`epcsim serve: ${url} (serving ${opts.dir}; Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void app.close().then(() => resolve());
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
