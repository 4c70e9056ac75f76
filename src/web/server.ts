// The dashboard's HTTP server (fastify): the pages and their scripts (public/, and vega and
// vega-lite from node_modules, so the page loads nothing from elsewhere), the scenarios under --dir,
// the editor's check and uploads, the jobs and their streams, and every file of the output folders.
// Nothing outside --dir is read or served (paths.ts); uploads go only into --dir/uploads/.
import { createRequire } from "node:module";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance, FastifyReply } from "fastify";
import { causeLabel } from "../engine/cause.js";
import { JobQueue } from "./jobs.js";
import { fileInside, isInside, realRoot, relativeTo, resolveInside, walk } from "./paths.js";
import { listResults } from "./results.js";
import { TOO_FEW_VARIANTS } from "./protocol.js";
import { replayResult } from "./replay.js";
import { sendMessages, streamJob } from "./sse.js";
import { validateScenario } from "./validate.js";

/** the largest scenario the editor takes, pasted or uploaded */
export const MAX_SCENARIO_BYTES = 1024 * 1024;
/** what the dashboard writes under --dir */
export const UPLOADS = "uploads";
export const RESULTS = "results";

export interface ServerOptions {
  /** --dir: the folder the dashboard lists, reads and writes under */
  dir: string;
  /** --jobs: simulations at once */
  jobs: number;
  /** the worker module that simulates a job (cli/serve-worker.js) */
  workerUrl: URL;
  /**
   * false when --host makes the server reachable by other names: then any Host header is taken.
   * Otherwise (the default) only loopback names are, so that a web page whose name comes to resolve
   * to 127.0.0.1 (DNS rebinding) cannot read the dashboard
   */
  loopbackOnly?: boolean;
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** the host name of a Host header or an origin's authority, without the port */
const hostName = (authority: string): string => authority.replace(/:\d+$/, "").toLowerCase();

const PUBLIC = fileURLToPath(new URL("../../../src/web/public/", import.meta.url));
const require = createRequire(import.meta.url);
/** the browser builds of vega and vega-lite, served as /vendor/NAME */
const VENDOR: Record<string, string> = {
  // each package's entry point is in its build/ folder, beside the browser build
  "vega.min.js": join(dirname(require.resolve("vega")), "vega.min.js"),
  "vega-lite.min.js": join(dirname(require.resolve("vega-lite")), "vega-lite.min.js"),
};

/**
 * Everything from this server only; vega compiles its expressions with Function (unsafe-eval); the
 * Perfetto hand-off opens ui.perfetto.dev in another window, which no directive here covers
 */
const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(ya?ml|json)$/;
const isScenarioFile = (rel: string): boolean => /\.(ya?ml|json)$/.test(rel);

const notFound = (reply: FastifyReply): FastifyReply => reply.code(404).send({ error: "Not found." });
const badRequest = (reply: FastifyReply, message: string): FastifyReply => reply.code(400).send({ error: message });

/** a folder under root for the dashboard to write in, refused if it is (or leads through) a link out of root */
function ownFolder(root: string, name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  const real = resolveInside(root, name);
  if (real === null) throw Object.assign(new Error(`${path}: expected a folder inside --dir, and it leads outside it (a symbolic link?); the dashboard writes only inside --dir.`), { statusCode: 403 });
  return real;
}

/** a set of --set values as the CLI takes them: PATH=VALUE strings, or an object */
function parseSets(raw: unknown): Record<string, string> | string {
  if (raw === undefined || raw === null) return {};
  const out: Record<string, string> = {};
  const entries = Array.isArray(raw) ? raw : typeof raw === "object" ? Object.entries(raw as object).map(([k, v]) => `${k}=${String(v)}`) : null;
  if (entries === null) return "set: expected a list of PATH=VALUE strings.";
  for (const e of entries) {
    if (typeof e !== "string") return "set: expected a list of PATH=VALUE strings.";
    const t = e.trim();
    if (t === "") continue;
    const eq = t.indexOf("=");
    if (eq <= 0) return `--set ${t}: expected PATH=VALUE.`;
    out[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  }
  return out;
}

function parseSeed(raw: unknown): number | undefined | string {
  if (raw === undefined || raw === null || raw === "") return undefined;
  const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : "--seed: expected a non-negative integer seed.";
}

/** the folder name of a job's results: its start time and label, unique */
function resultName(results: string, label: string): string {
  const d = new Date();
  const pad = (n: number): string => String(n).padStart(2, "0");
  const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  const slug = label.replace(/\.(ya?ml|json)$/, "").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "run";
  let name = `${stamp}-${slug}`;
  for (let i = 2; resolveInside(results, name) !== null; i++) name = `${stamp}-${slug}-${i}`;
  return name;
}

export async function buildServer(options: ServerOptions): Promise<{ app: FastifyInstance; queue: JobQueue; root: string }> {
  const root = realRoot(options.dir);
  // loaded here, not at the top, so that commands other than serve never pay for the server
  const [{ default: Fastify }, { default: fastifyStatic }] = await Promise.all([import("fastify"), import("@fastify/static")]);
  const app = Fastify({ logger: false, bodyLimit: MAX_SCENARIO_BYTES });
  let resultsDir: string | null = null;
  const queue = new JobQueue(options.jobs, options.workerUrl, (label) => {
    resultsDir ??= ownFolder(root, RESULTS);
    const name = resultName(resultsDir, label);
    // made now, so that the next job's name differs even within the same second
    mkdirSync(join(resultsDir, name));
    return { abs: join(resultsDir, name), rel: `${relativeTo(root, resultsDir)}/${name}` };
  });
  app.addHook("onClose", async () => queue.close());
  // requests from other sites: no Host but a loopback name (DNS rebinding), and nothing but reads from another origin (CSRF)
  const loopbackOnly = options.loopbackOnly ?? true;
  app.addHook("onRequest", async (request, reply) => {
    const host = request.headers.host ?? "";
    if (loopbackOnly && !LOOPBACK_NAMES.has(hostName(host))) return reply.code(403).send({ error: `Host ${JSON.stringify(host)}: the dashboard answers only to 127.0.0.1, localhost or [::1] (start it with --host to serve other names).` });
    const origin = request.headers.origin;
    if (request.method !== "GET" && request.method !== "HEAD" && origin !== undefined && origin !== "null" && hostName(origin.replace(/^[a-z]+:\/\//, "")) !== hostName(host)) {
      return reply.code(403).send({ error: `Origin ${JSON.stringify(origin)}: the dashboard takes changes only from its own pages.` });
    }
    return undefined;
  });
  app.addHook("onSend", async (_request, reply) => {
    reply.header("content-security-policy", CSP);
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
  });
  // scenario text comes as bytes, so that a file that is not UTF-8 gets the CLI's message
  app.removeContentTypeParser("text/plain");
  app.addContentTypeParser(["text/plain", "application/yaml", "application/x-yaml", "application/octet-stream"], { parseAs: "buffer", bodyLimit: MAX_SCENARIO_BYTES }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; code?: string; message: string }, _request, reply) => {
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") return reply.code(413).send({ error: `The scenario is larger than the limit of ${MAX_SCENARIO_BYTES} bytes (1 MiB).` });
    const status = err.statusCode ?? 500;
    return reply.code(status).send({ error: status >= 500 ? `Internal error: ${err.message}` : err.message });
  });
  app.setNotFoundHandler((_request, reply) => notFound(reply));

  await app.register(fastifyStatic, { root: PUBLIC, prefix: "/", index: ["index.html"], dotfiles: "deny", serveDotFiles: false, wildcard: false });
  app.get<{ Params: { name: string } }>("/vendor/:name", (request, reply) => {
    const file = VENDOR[request.params.name];
    if (file === undefined) return notFound(reply);
    return reply.type("text/javascript; charset=utf-8").send(readFileSync(file));
  });

  // the page labels a process's cause as the CLI does: with engine/cause.ts's causeLabel() itself
  const causeJs = `"use strict";\nconst causeLabel = (c) => (c === null || c === undefined ? "" : (${causeLabel.toString()})(c));\n`;
  app.get("/cause.js", (_request, reply) => reply.type("text/javascript; charset=utf-8").send(causeJs));

  // the scenarios: .yaml (.yml, .json) files under --dir
  app.get("/api/scenarios", () => ({
    dir: basename(root),
    files: walk(root, 6, 20_000)
      .filter((e) => !e.isDirectory && /\.ya?ml$/.test(e.rel))
      .map((e) => e.rel),
  }));
  app.get<{ Params: { "*": string } }>("/api/scenarios/*", (request, reply) => {
    const rel = request.params["*"];
    const f = isScenarioFile(rel) ? fileInside(root, rel) : null;
    if (f === null) return notFound(reply);
    if (f.stats.size > MAX_SCENARIO_BYTES) return reply.code(413).send({ error: `${rel}: the file is larger than the editor's limit of 1 MiB.` });
    return reply.type("text/plain; charset=utf-8").send(readFileSync(f.path));
  });

  // the editor: check a text as `epcsim run` would, and save it under uploads/
  app.post<{ Querystring: { name?: string }; Body: Buffer }>("/api/validate", (request, reply) => {
    const name = request.query.name ?? "scenario.yaml";
    if (!SCENARIO_NAME.test(name)) return badRequest(reply, `name: expected a file name of letters, digits, "._-" ending in .yaml, .yml or .json, got ${JSON.stringify(name)}.`);
    if (!Buffer.isBuffer(request.body)) return badRequest(reply, "Expected the scenario as the request body (text/plain).");
    return validateScenario(request.body, `${UPLOADS}/${name}`, join(root, UPLOADS, name), root);
  });
  app.put<{ Params: { name: string }; Body: Buffer }>("/api/uploads/:name", (request, reply) => {
    const name = request.params.name;
    if (!SCENARIO_NAME.test(name)) return badRequest(reply, `name: expected a file name of letters, digits, "._-" ending in .yaml, .yml or .json, got ${JSON.stringify(name)}.`);
    if (!Buffer.isBuffer(request.body)) return badRequest(reply, "Expected the scenario as the request body (text/plain).");
    const uploads = ownFolder(root, UPLOADS);
    const target = join(uploads, name);
    // written beside and renamed over: a symbolic link planted at the name is replaced, never followed
    const tmp = join(uploads, `.${name}.tmp-${process.pid}`);
    writeFileSync(tmp, request.body, { flag: "w", mode: 0o644 });
    renameSync(tmp, target);
    const rel = `${relativeTo(root, uploads)}/${name}`;
    return { path: rel, validation: validateScenario(request.body, rel, target, root) };
  });

  // jobs: a run of one scenario, or a comparison of variants
  app.post<{ Body: { file?: unknown; seed?: unknown; set?: unknown } }>("/api/runs", (request, reply) => {
    const body = request.body ?? {};
    const rel = typeof body.file === "string" ? body.file : "";
    const f = isScenarioFile(rel) ? fileInside(root, rel) : null;
    if (f === null) return notFound(reply);
    const seed = parseSeed(body.seed);
    if (typeof seed === "string") return badRequest(reply, seed);
    const set = parseSets(body.set);
    if (typeof set === "string") return badRequest(reply, set);
    const job = queue.add(basename(rel), { kind: "run", root, file: f.path, ...(seed === undefined ? {} : { seed }), ...(Object.keys(set).length === 0 ? {} : { set }) });
    return reply.code(202).send(queue.info(job));
  });
  app.post<{ Body: { files?: unknown; kernels?: unknown; seed?: unknown; set?: unknown } }>("/api/compare", (request, reply) => {
    const body = request.body ?? {};
    const files = Array.isArray(body.files) ? body.files : [];
    const paths: string[] = [];
    for (const rel of files) {
      const f = typeof rel === "string" && isScenarioFile(rel) ? fileInside(root, rel) : null;
      if (f === null) return notFound(reply);
      paths.push(f.path);
    }
    if (paths.length === 0) return badRequest(reply, "files: expected at least one scenario file.");
    const kernels = Array.isArray(body.kernels) ? body.kernels : [];
    for (const k of kernels) if (k !== "mainline" && k !== "v17" && k !== "v5") return badRequest(reply, `--kernel: expected a comma-separated list of mainline, v17 and v5, got ${JSON.stringify(kernels.join(","))}.`);
    const seed = parseSeed(body.seed);
    if (typeof seed === "string") return badRequest(reply, seed);
    const set = parseSets(body.set);
    if (typeof set === "string") return badRequest(reply, set);
    // as many variants as compare would run: every file × kernel × combination of --set values
    const count = paths.length * Math.max(1, kernels.length) * Object.values(set).reduce((n, v) => n * v.split(",").length, 1);
    if (count < 2) return badRequest(reply, TOO_FEW_VARIANTS);
    const label = `compare ${files.map((f) => basename(String(f))).join(" ")}`;
    const job = queue.add(label, { kind: "compare", root, files: paths, kernels: kernels as string[], set, ...(seed === undefined ? {} : { seed }) });
    return reply.code(202).send(queue.info(job));
  });
  app.post<{ Body: { file?: unknown } }>("/api/sweeps", (request, reply) => {
    const rel = (request.body ?? {}).file;
    const f = typeof rel === "string" && isScenarioFile(rel) ? fileInside(root, rel) : null;
    if (f === null) return notFound(reply);
    const job = queue.add(`sweep ${basename(String(rel))}`, { kind: "sweep", root, file: f.path });
    return reply.code(202).send(queue.info(job));
  });
  app.get("/api/jobs", () => queue.list());
  app.get<{ Params: { id: string } }>("/api/jobs/:id", (request, reply) => {
    const job = queue.get(request.params.id);
    return job === undefined ? notFound(reply) : queue.info(job);
  });
  app.post<{ Params: { id: string } }>("/api/jobs/:id/stop", async (request, reply) => {
    const job = queue.get(request.params.id);
    if (job === undefined) return notFound(reply);
    await queue.stop(job);
    return queue.info(job);
  });
  app.get<{ Params: { id: string } }>("/api/jobs/:id/stream", (request, reply) => {
    const job = queue.get(request.params.id);
    return job === undefined ? notFound(reply) : streamJob(job, request, reply);
  });

  // the output folders, and (issue 14, left for its integration) the sweeps among them
  app.get("/api/results", () => listResults(root));
  app.get("/api/sweeps", () => listResults(root, ["sweep"]));
  // a past run or comparison as the stream its job sent, rebuilt from its files
  app.get<{ Querystring: { dir?: string } }>("/api/results/stream", (request, reply) => {
    const messages = replayResult(root, request.query.dir ?? "");
    return messages === null ? notFound(reply) : sendMessages(messages, request, reply);
  });

  // any file under --dir, by its relative path: the output files, trace.json for Perfetto
  app.get<{ Params: { "*": string } }>("/files/*", (request, reply) => {
    const f = fileInside(root, request.params["*"]);
    if (f === null || !isInside(root, f.path)) return notFound(reply);
    return reply.sendFile(relativeTo(root, f.path), root, { dotfiles: "allow" });
  });
  return { app, queue, root };
}
