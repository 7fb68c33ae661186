/**
 * Local API Gateway: an HTTP server for the `httpApi` (payload 2.0) and `http` (REST, payload 1.0)
 * events of serverless.yml. The request body reaches the function exactly as received — as text
 * when it is valid UTF-8 of a textual content type, otherwise base64 with isBase64Encoded — so
 * webhook signatures can be checked over the raw bytes.
 *
 * Also serves the engine's own control endpoints under /_engine/ (status, invoke), used by the CLI.
 */
import { randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import type { HttpEvent } from "./service.ts";
import { realnameOpenApi } from "../../shared/realname/openapi.ts";

export const MAX_BODY_BYTES = 10 * 1024 * 1024; // API Gateway's payload limit
/** A body over this size counts as large: only `maxLargeBodies` of them are read and handled at once. */
export const LARGE_BODY_BYTES = 1024 * 1024;
export const DEFAULT_MAX_LARGE_BODIES = 2;

export interface Route {
  fn: string;
  kind: "httpApi" | "http";
  method: string;
  path: string;
  routeKey: string;
  regex: RegExp;
  params: string[];
  /** Higher wins: static segments count most, greedy params least. */
  score: number;
}

export function compileRoute(fn: string, e: HttpEvent): Route {
  const method = e.method === "ANY" ? "*" : e.method;
  if (e.path === "*") return { fn, kind: e.type, method, path: "*", routeKey: "$default", regex: /^\/.*$/, params: [], score: -1 };
  const params: string[] = [];
  let score = 0;
  const segments = e.path.split("/").filter((s) => s !== "");
  const pattern = segments
    .map((seg) => {
      const greedy = /^\{([^}]+)\+\}$/.exec(seg);
      if (greedy) {
        params.push(greedy[1]!);
        return "/(.+)";
      }
      const param = /^\{([^}]+)\}$/.exec(seg);
      if (param) {
        params.push(param[1]!);
        score += 10;
        return "/([^/]+)";
      }
      score += 100;
      return `/${seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    })
    .join("");
  const regex = new RegExp(`^${pattern || "/"}/?$`);
  const routeKey = e.type === "httpApi" ? `${method === "*" ? "ANY" : method} ${e.path}` : e.path;
  return { fn, kind: e.type, method, path: e.path, routeKey, regex, params, score: score * 10 + (method === "*" ? 0 : 1) };
}

export function matchRoute(routes: readonly Route[], method: string, path: string): { route: Route; pathParameters: Record<string, string> } | undefined {
  let best: { route: Route; pathParameters: Record<string, string> } | undefined;
  for (const r of routes) {
    if (r.method !== "*" && r.method !== method) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    if (best && best.route.score >= r.score) continue;
    const pathParameters: Record<string, string> = {};
    r.params.forEach((p, i) => {
      const v = m[i + 1]!;
      try {
        pathParameters[p] = decodeURIComponent(v);
      } catch {
        pathParameters[p] = v;
      }
    });
    best = { route: r, pathParameters };
  }
  return best;
}

const TEXT_TYPE = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

/** Body as API Gateway passes it: text for valid UTF-8 textual content, base64 otherwise. */
export function encodeBody(raw: Buffer, contentType: string | undefined): { body: string | undefined; isBase64Encoded: boolean } {
  if (raw.length === 0) return { body: undefined, isBase64Encoded: false };
  const textual = contentType === undefined || TEXT_TYPE.test(contentType);
  if (textual) {
    try {
      return { body: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(raw), isBase64Encoded: false };
    } catch {
      // not UTF-8: fall through to base64
    }
  }
  return { body: raw.toString("base64"), isBase64Encoded: true };
}

export interface RequestInfo {
  method: string;
  url: URL;
  headers: IncomingMessage["headers"];
  rawHeaders: string[];
  sourceIp: string;
  raw: Buffer;
  requestId: string;
  now: Date;
}

function clfDate(d: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export function toHttpApiEvent(req: RequestInfo, route: Route, pathParameters: Record<string, string>): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name === "cookie") {
      cookies.push(...value.split(";").map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  const query: Record<string, string> = {};
  for (const [k, v] of req.url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const { body, isBase64Encoded } = encodeBody(req.raw, headers["content-type"]);
  const host = headers["host"] ?? "localhost";
  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: req.url.pathname,
    rawQueryString: req.url.search.replace(/^\?/, ""),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(route.params.length ? { pathParameters } : {}),
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: { method: req.method, path: req.url.pathname, protocol: "HTTP/1.1", sourceIp: req.sourceIp, userAgent: headers["user-agent"] ?? "" },
      requestId: req.requestId,
      routeKey: route.routeKey,
      stage: "$default",
      time: clfDate(req.now),
      timeEpoch: req.now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

export function toRestEvent(req: RequestInfo, route: Route, pathParameters: Record<string, string>, stage: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of req.url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  const { body, isBase64Encoded } = encodeBody(req.raw, req.headers["content-type"]);
  return {
    resource: route.path,
    path: req.url.pathname,
    httpMethod: req.method,
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: Object.keys(multiQuery).length ? multiQuery : null,
    pathParameters: route.params.length ? pathParameters : null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      authorizer: undefined,
      protocol: "HTTP/1.1",
      httpMethod: req.method,
      identity: { sourceIp: req.sourceIp, userAgent: req.headers["user-agent"] ?? null } as APIGatewayProxyEvent["requestContext"]["identity"],
      path: `/${stage}${req.url.pathname}`,
      stage,
      requestId: req.requestId,
      requestTimeEpoch: req.now.getTime(),
      resourceId: "local",
      resourcePath: route.path,
    } as APIGatewayProxyEvent["requestContext"],
  };
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const json = (status: number, value: unknown): HttpReply => ({ status, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify(value)) });

/** Maps a function's result to an HTTP response the way API Gateway does (2.0 infers; 1.0 is strict). */
export function toHttpReply(kind: "httpApi" | "http", result: unknown): HttpReply {
  const isObj = result !== null && typeof result === "object" && !Array.isArray(result);
  if (isObj && "statusCode" in result) {
    const r = result as { statusCode: unknown; headers?: Record<string, unknown>; multiValueHeaders?: Record<string, unknown[]>; body?: unknown; isBase64Encoded?: boolean; cookies?: string[] };
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return json(502, { message: "Internal Server Error" });
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
    for (const [k, v] of Object.entries(r.multiValueHeaders ?? {})) headers[k.toLowerCase()] = v.map(String);
    if (kind === "httpApi" && r.cookies?.length) headers["set-cookie"] = r.cookies;
    const text = r.body === undefined || r.body === null ? "" : typeof r.body === "string" ? r.body : JSON.stringify(r.body);
    return { status, headers, body: r.isBase64Encoded ? Buffer.from(text, "base64") : Buffer.from(text) };
  }
  if (kind === "http") return json(502, { message: "Internal server error" });
  if (result === undefined || result === null) return { status: 200, headers: {}, body: Buffer.alloc(0) };
  if (typeof result === "string") return { status: 200, headers: { "content-type": "text/plain; charset=utf-8" }, body: Buffer.from(result) };
  return json(200, result);
}

export interface HttpServerOptions {
  host: string;
  port: number;
  stage: string;
  routes: Route[];
  invoke(fn: string, event: unknown, trigger: string): Promise<{ ok: true; result: unknown } | { ok: false; error: Error }>;
  /** /_engine/* handlers; return undefined for 404. Reached only through controlGuard. */
  control?(method: string, path: string, body: Buffer): Promise<HttpReply | undefined>;
  /** Bearer token every /_engine/* request must carry (required when `control` is set). */
  controlToken?: string;
  onError?(err: Error): void;
  /** Largest accepted body (default MAX_BODY_BYTES). */
  maxBodyBytes?: number;
  /**
   * How many requests with a body over LARGE_BODY_BYTES are read and handled at the same time
   * (default 2); the others wait, unread (TCP back-pressure), so memory stays bounded however many
   * arrive together. Infinity turns the cap off (the bench's baseline).
   */
  maxLargeBodies?: number;
}

export interface LocalHttpServer {
  url: string;
  port: number;
  /** Stops accepting connections and waits for requests in flight. */
  close(): Promise<void>;
}

/** A counting semaphore: at most `max` holders; the others wait in arrival order. */
export class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get inUse(): number {
    return this.used;
  }
  acquire(): Promise<void> {
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((r) => this.waiting.push(r));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.used--;
  }
}

export type BodyRead = { ok: true; raw: Buffer } | { ok: false; status: 413; reason: string };

/**
 * Reads a request body, refusing it without reading when Content-Length is over the limit and
 * releasing what was read the moment a body without (or with a false) length passes it. Once the
 * body turns out large, waits for a large-body slot before reading on (the request stays paused).
 */
export async function readBody(req: IncomingMessage, limit: number, large: { slots: Slots; held: boolean }): Promise<BodyRead> {
  const declared = req.headers["content-length"] === undefined ? undefined : Number(req.headers["content-length"]);
  if (declared !== undefined && declared > limit) return { ok: false, status: 413, reason: `Content-Length ${declared} is over the ${limit}-byte limit` };
  if (declared !== undefined && declared > LARGE_BODY_BYTES && !large.held) {
    await large.slots.acquire();
    large.held = true;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) return { ok: false, status: 413, reason: `body is over the ${limit}-byte limit` };
    chunks.push(c);
    if (size > LARGE_BODY_BYTES && !large.held) {
      await large.slots.acquire(); // the loop does not read while it waits: the socket is paused
      large.held = true;
    }
  }
  return { ok: true, raw: Buffer.concat(chunks, size) };
}

function send(res: ServerResponse, reply: HttpReply): void {
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.setHeader("content-length", reply.body.length);
  res.end(reply.body);
}

/** Host names a browser may use for the engine: loopback only (a DNS-rebound name is refused). */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Checks a request for the engine's control endpoints: the Host header must name a loopback address
 * on this port (DNS rebinding), an Origin header (sent by browsers) must be that same loopback
 * origin, the bearer token must match (timing-safe), and a POST must say it is JSON (so no
 * cross-origin "simple" request gets through even with a leaked token). Returns the refusal, or
 * undefined when the request may go on. Pure.
 */
export function controlGuard(
  req: { method: string; headers: Record<string, string | string[] | undefined> },
  o: { port: number; host: string; token: string | undefined },
): HttpReply | undefined {
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const allowed = new Set([...LOOPBACK_HOSTS, o.host.includes(":") ? `[${o.host}]` : o.host].map((h) => `${h}:${o.port}`));
  const host = one(req.headers["host"])?.toLowerCase();
  if (!host || !allowed.has(host)) return json(403, { message: `Host must be 127.0.0.1:${o.port} or localhost:${o.port}` });
  const origin = one(req.headers["origin"]);
  if (origin !== undefined) {
    const from = /^http:\/\/(.+)$/i.exec(origin)?.[1]?.toLowerCase();
    if (!from || !allowed.has(from)) return json(403, { message: "cross-origin requests are refused" });
  }
  const given = /^Bearer ([A-Za-z0-9_-]{1,256})$/.exec(one(req.headers["authorization"]) ?? "")?.[1];
  const expected = o.token;
  if (!expected || !given || given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) {
    return { status: 401, headers: { "content-type": "application/json", "www-authenticate": "Bearer" }, body: Buffer.from(JSON.stringify({ message: "missing or wrong engine token (see <data-dir>/engine.json)" })) };
  }
  if (req.method === "POST" && !/^application\/json\s*(;|$)/i.test(one(req.headers["content-type"]) ?? "")) {
    return json(415, { message: "control requests must be application/json" });
  }
  return undefined;
}

export async function startHttpServer(o: HttpServerOptions): Promise<LocalHttpServer> {
  const inFlight = new Set<Promise<void>>();
  const largeSlots = new Slots(o.maxLargeBodies ?? DEFAULT_MAX_LARGE_BODIES);
  let boundPort = o.port;
  const handle = async (req: IncomingMessage, res: ServerResponse, large: { slots: Slots; held: boolean }) => {
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://localhost");
    const method = (req.method ?? "GET").toUpperCase();
    res.setHeader("apigw-requestid", requestId);
    const isControl = url.pathname.startsWith("/_engine/") && o.control !== undefined;
    if (isControl) {
      const refused = controlGuard({ method, headers: req.headers }, { port: boundPort, host: o.host, token: o.controlToken });
      if (refused) {
        res.setHeader("connection", "close");
        res.once("finish", () => req.destroy());
        return send(res, refused);
      }
    }
    const read = await readBody(req, o.maxBodyBytes ?? MAX_BODY_BYTES, large);
    if (!read.ok) {
      // Nothing more of this body is wanted: answer and close the connection instead of reading on.
      res.setHeader("connection", "close");
      res.once("finish", () => req.destroy());
      return send(res, json(413, { message: "Request Entity Too Large" }));
    }
    const raw = read.raw;
    if (isControl) {
      const reply = await o.control!(method, url.pathname, raw);
      return send(res, reply ?? json(404, { message: "Not Found" }));
    }
    // The real-name API's OpenAPI document (shared/realname/openapi.ts), for integrators.
    if (method === "GET" && url.pathname === "/openapi.json") return send(res, json(200, realnameOpenApi()));
    const match = matchRoute(o.routes, method, url.pathname);
    if (!match) return send(res, json(404, { message: "Not Found" }));
    const info: RequestInfo = { method, url, headers: req.headers, rawHeaders: req.rawHeaders, sourceIp: req.socket.remoteAddress ?? "127.0.0.1", raw, requestId, now: new Date() };
    const event = match.route.kind === "httpApi" ? toHttpApiEvent(info, match.route, match.pathParameters) : toRestEvent(info, match.route, match.pathParameters, o.stage);
    const out = await o.invoke(match.route.fn, event, `${match.route.kind} ${method} ${url.pathname}`);
    if (!out.ok) return send(res, json(match.route.kind === "http" ? 502 : 500, { message: "Internal Server Error" }));
    send(res, toHttpReply(match.route.kind, out.result));
  };
  const server: Server = createServer((req, res) => {
    const large = { slots: largeSlots, held: false };
    const p = handle(req, res, large)
      .catch((err: unknown) => {
        o.onError?.(err as Error);
        if (!res.headersSent) send(res, json(500, { message: "Internal Server Error" }));
      })
      .finally(() => {
        if (large.held) largeSlots.release();
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  boundPort = port;
  return {
    url: `http://${o.host.includes(":") ? `[${o.host}]` : o.host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}
