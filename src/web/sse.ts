// Server-sent events for a job's stream, written by hand (the format is four lines; a plugin would
// add a dependency for less): every message goes out as `id: N`, `event: TYPE`, `data: JSON`, and a
// page that reconnects sends the last id it saw as Last-Event-ID and gets only what came after it.
// A finished job's stream ends after its last message; a running one's stays open, with a comment
// line every KEEPALIVE_MS so that proxies do not time it out.
import { PassThrough } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Job } from "./jobs.js";
import type { StreamMessage } from "./protocol.js";

const KEEPALIVE_MS = 15_000;

/** the id to resume after: the Last-Event-ID header, or ?lastEventId= (0: from the start) */
export function lastEventId(request: FastifyRequest): number {
  const header = request.headers["last-event-id"];
  const query = (request.query as Record<string, unknown>).lastEventId;
  const raw = typeof header === "string" ? header : typeof query === "string" ? query : "0";
  return /^\d+$/.test(raw) ? Number(raw) : 0;
}

export function formatEvent(id: number, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

const sseHeaders = (reply: FastifyReply): FastifyReply =>
  reply.header("content-type", "text/event-stream; charset=utf-8").header("cache-control", "no-cache, no-transform").header("x-accel-buffering", "no");

/** a stream that is complete already (a past result's): every message after Last-Event-ID, then the end */
export function sendMessages(messages: readonly StreamMessage[], request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const from = Math.min(lastEventId(request), messages.length);
  return sseHeaders(reply).send(`retry: 1000\n\n${messages
    .slice(from)
    .map((m, i) => formatEvent(from + i + 1, m.type, m))
    .join("")}`);
}

export function streamJob(job: Job, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const out = new PassThrough();
  let unsubscribe = (): void => undefined;
  let keepalive: NodeJS.Timeout | undefined;
  const close = (): void => {
    unsubscribe();
    if (keepalive !== undefined) clearInterval(keepalive);
    out.end();
  };
  // the retry hint first: a reconnect after a second, not the browser's default of three
  out.write("retry: 1000\n\n");
  unsubscribe = job.subscribe(lastEventId(request), (id, m) => {
    out.write(formatEvent(id, m.type, m));
    if (job.finished && id === job.messages.length) queueMicrotask(close);
  });
  if (job.finished) close();
  else {
    keepalive = setInterval(() => out.write(": keepalive\n\n"), KEEPALIVE_MS);
    request.raw.on("close", close);
  }
  return sseHeaders(reply).send(out);
}
