// `epcsim serve` from the command line: bad options are one line and exit code 2; it binds to
// 127.0.0.1 and prints its URL; another address only with --host, and then a warning on stderr.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("./main.js", import.meta.url));

test("serve: a bad --port, --jobs or --dir is one line, exit code 2", () => {
  for (const [args, expected] of [
    [["--port", "http"], /^epcsim: --port: expected a TCP port from 0 to 65535, got "http"\.\n$/],
    [["--jobs", "0"], /^epcsim: --jobs: expected a whole number from 1 to 64, got "0"\.\n$/],
    [["--dir", "/nonexistent/epcsim"], /^epcsim: --dir \/nonexistent\/epcsim: expected an existing directory\.\n$/],
  ] as const) {
    const r = spawnSync(process.execPath, [main, "serve", ...args], { encoding: "utf8" });
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, expected);
  }
});

/** starts serve with `args`, returns its first stdout line and what stderr said by then, and stops it */
async function firstLine(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [main, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes("\n")) resolve();
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGINT");
  await exited;
  return { stdout, stderr };
}

test("serve: bound to 127.0.0.1 by default, its URL printed; --host elsewhere warns", { timeout: 60_000 }, async () => {
  const local = await firstLine([]);
  assert.match(local.stdout, /^epcsim serve: http:\/\/127\.0\.0\.1:\d+\/ /);
  assert.equal(local.stderr, "");
  const wide = await firstLine(["--host", "0.0.0.0"]);
  assert.match(wide.stderr, /^epcsim: warning: --host 0\.0\.0\.0: the dashboard is reachable from other machines/);
  assert.match(wide.stdout, /^epcsim serve: http:\/\/0\.0\.0\.0:\d+\/ /);
});
