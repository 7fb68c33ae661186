/**
 * BSS sandbox: a local HTTP server that behaves like Huawei Cloud BSS (the operations of the BSS
 * contract it has a handler for) and the IAM agency-token endpoint, on seeded data, with signature
 * checks, the documented rate limit, and injectable faults. Routes, caller types, success statuses
 * and request validation come from the contract (contract.ts, rules.ts), never from the client's
 * schemas in shared/bss. node:http only; the behaviour lives in the pure modules beside this file.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { authenticate, TokenStore, verifyPartnerSignature, type AuthConfig, type AuthRequest } from "./auth.ts";
import type { Lang } from "./catalog.ts";
import { callerOf, contract, requestValidator, type ContractOperation, type Site } from "./contract.ts";
import { SandboxError } from "./errors.ts";
import { decideFault, validateFaults, type FaultConfig, type FaultKind } from "./faults.ts";
import type { Customer, Resource } from "./generate.ts";
import { createAgencyToken, iamBodyInvalid, iamUnauthenticated } from "./iam.ts";
import { SlidingWindowLimiter } from "./limiter.ts";
import { hashUnit } from "./rng.ts";
import { handlers, runOperation, seedEarlierReview, setReviewOutcome, type Caller, type EarlierReview, type EffectName, type OpContext } from "./operations.ts";
import type { AssumeRoleRequest, SandboxOperationName as OperationName } from "./requests.ts";
import { checkRules } from "./rules.ts";
import { SandboxState, type Order, type RealnameApplication } from "./state.ts";

/** Header on every sandbox response, so a client can tell it is not Huawei Cloud. */
export const SANDBOX_HEADER = "X-Partner-Ops-Sandbox";

export interface SandboxOptions {
  host?: string;
  port?: number;
  seed?: number | string;
  customers?: number;
  resourcesPerCustomer?: number;
  now?: Date;
  credentials?: { ak: string; sk: string; domainId?: string };
  xaccountType?: string;
  ratePerSecond?: number | Record<string, number>;
  faults?: FaultConfig;
  maxSkewMs?: number;
  tokenTtlSeconds?: number;
  realnameBucketConfigured?: boolean;
  /** Reviews of earlier applications on record per customer id (see seedEarlierReview). */
  earlierReviews?: Record<string, EarlierReview>;
  /** Which Huawei site to imitate: "cn" (default) or "intl" (the contract's international model). */
  site?: Site;
  attachmentExists?: (relativePath: string) => Promise<{ size: number } | undefined>;
  log?: (line: string) => void;
}

export interface SandboxData {
  /** The partner's account id (domain id). */
  readonly partnerDomainId: string;
  /** Account-manager login names shared by the customers. */
  readonly managers: readonly string[];
  /** Live customer records; `info` is exactly what ListSubCustomers returns. */
  readonly customers: readonly Customer[];
  customer(customerId: string): Customer | undefined;
  customerByAccountName(accountName: string): Customer | undefined;
  /** A customer's current resources (main first, then its attached ones). Do not mutate. */
  resources(customerId: string): readonly Resource[];
  allResources(): Iterable<{ customerId: string; resource: Resource }>;
  /** Orders created through the API, in creation order. */
  readonly orders: readonly Order[];
  /** Real-name applications by customer id (latest per customer). */
  readonly realname: ReadonlyMap<string, RealnameApplication>;
  /** Registration data (reg_country, reg_address) of approved enterprise verifications, by customer id. */
  readonly registration: ReadonlyMap<string, { reg_country?: string; reg_address?: string }>;
  /** Every customer token the IAM endpoint issued (X-Subject-Token), in order, expired ones included. */
  readonly issuedTokens: readonly string[];
}

export interface SandboxStats {
  /** Requests per operation name (plus "KeystoneCreateAgencyToken" and "(unknown)"). */
  requests: Record<string, number>;
  /** Responses per HTTP status ("0" = no answer: held timeout or reset). */
  responses: Record<string, number>;
  /** 429 answers by error code: BSS's CBC.0250 and the gateway's APIG.0308 (limiter and throttle faults together). */
  throttleCodes: Record<string, number>;
  /** Requests refused by the rate limiter (429 CBC.0250 or APIG.0308), total and per operation. */
  throttled: number;
  throttledByOperation: Record<string, number>;
  /** Injected faults by kind, and each one in order. */
  faults: Record<FaultKind, number>;
  injected: { seq: number; operation: string; kind: FaultKind }[];
  effects: Record<EffectName | "tokensIssued", number>;
}

export interface Sandbox {
  url: string;
  credentials: { ak: string; sk: string };
  xaccountType: string;
  /** The Huawei site the sandbox imitates (SandboxOptions.site). */
  site: Site;
  data: SandboxData;
  stats: SandboxStats;
  control: {
    setFaults(f: SandboxOptions["faults"]): void;
    setReviewOutcome(customerId: string, outcome: { result: "approved" | "rejected" | "pending"; opinion?: string; afterPolls?: number }): void;
    setRealnameBucketConfigured(v: boolean): void;
    /** Puts an earlier application's review on record (the review-result API shows it until a new submission). */
    seedEarlierReview(customerId: string, review: EarlierReview): void;
    setClock(now: () => number): void;
  };
  close(): Promise<void>;
}

export type { Customer, CustomerInfo, Resource } from "./generate.ts";
export { graceRetentionDays, REMINDER_WINDOWS } from "./generate.ts";
export type { Order, RealnameApplication, RealnameKind, ReviewScript } from "./state.ts";
export type { FaultConfig, FaultKind } from "./faults.ts";
export type { EarlierReview } from "./operations.ts";
export { renderResource as toApiResource } from "./operations.ts";

/**
 * The environment that points partner-ops at a running sandbox. The same URL serves BSS and
 * the IAM token endpoint. Sandbox-only credentials: they work nowhere else.
 */
export function sandboxEnv(sb: Pick<Sandbox, "url" | "credentials" | "xaccountType"> & { site?: Site }): Record<string, string> {
  return {
    // The site's rules (real-name documents, bank-card scheme) must match the sandbox's.
    HWC_SITE: sb.site ?? "cn",
    HWC_ENDPOINT: sb.url,
    HWC_IAM_ENDPOINT: sb.url,
    HWC_AK: sb.credentials.ak,
    HWC_SK: sb.credentials.sk,
    HWC_XACCOUNT_TYPE: sb.xaccountType,
  };
}

const MAX_BODY_BYTES = 1024 * 1024;
const IAM_TOKEN_PATH = "/v3/auth/tokens";
const IAM_OPERATION = "KeystoneCreateAgencyToken";
const IAM_DOMAINS_PATH = "/v3/auth/domains";
const IAM_DOMAINS_OPERATION = "KeystoneListAuthDomains";
/** Documented flow control of every BSS operation used here: 10 requests per second (bss-api.md §1.7). */
const DEFAULT_RATE = 10;
/** POST operations that only read (queries with a JSON body): never given an "ambiguous" fault. */
const READ_POSTS = new Set(["ListSubCustomers", "ListPayPerUseCustomerResources", "ListRenewRateOnPeriod", "ListCustomersBalancesDetail"]);

interface Route {
  op: ContractOperation;
  name: OperationName;
  caller: "partner" | "customer" | "either";
  /** Success status from the contract (204 = empty body). */
  status: number;
  write: boolean;
  regex: RegExp;
  params: string[];
}

/** The contract's BSS operations that the sandbox has a handler for, available on `site`. */
function buildRoutes(site: Site): Route[] {
  return Object.entries(contract().operations)
    .filter(([name, op]) => op.service === "bss" && name in handlers && op.sites.includes(site))
    .map(([name, op]) => {
      const params: string[] = [];
      const pattern = op.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{([a-z_]+)\\?\}/g, (_m, p: string) => {
        params.push(p);
        return "([^/]+)";
      });
      return {
        op,
        name: name as OperationName,
        caller: callerOf(op),
        status: op.response.status,
        write: op.method !== "GET" && !READ_POSTS.has(name),
        regex: new RegExp(`^${pattern}/?$`),
        params,
      };
    });
}

function matchRoute(routes: readonly Route[], method: string, path: string): { route?: Route; pathParams: Record<string, string>; pathKnown: boolean } {
  let pathKnown = false;
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (!m) continue;
    pathKnown = true;
    if (r.op.method !== method) continue;
    const pathParams: Record<string, string> = {};
    r.params.forEach((p, i) => {
      const raw = m[i + 1]!;
      try {
        pathParams[p] = decodeURIComponent(raw);
      } catch {
        pathParams[p] = raw; // malformed escape: used as is (it then names no resource)
      }
    });
    return { route: r, pathParams, pathKnown };
  }
  return { pathParams: {}, pathKnown };
}

/** Query string → object; a repeated key becomes an array (which the schemas reject). */
function queryObject(search: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of search) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on("end", () => resolve(tooBig ? undefined : new Uint8Array(Buffer.concat(chunks))));
    req.on("error", reject);
  });
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seed = options.seed ?? 1;
  const xaccountType = options.xaccountType ?? "partner_ops_sandbox";
  const customers = options.customers ?? 20;
  const perCustomer = options.resourcesPerCustomer ?? 10;
  if (!Number.isInteger(customers) || customers < 0) throw new RangeError("customers must be a non-negative integer");
  if (!Number.isInteger(perCustomer) || perCustomer < 0) throw new RangeError("resourcesPerCustomer must be a non-negative integer");
  const site: Site = options.site ?? "cn";
  if (site !== "cn" && site !== "intl") throw new RangeError(`site must be "cn" or "intl", got ${String(site)}`);
  const routes = buildRoutes(site);
  const rates = options.ratePerSecond;
  for (const [k, v] of Object.entries(typeof rates === "number" ? { ratePerSecond: rates } : (rates ?? {}))) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`ratePerSecond ${k === "ratePerSecond" ? "" : `for ${k} `}must be a positive integer, got ${v}`);
    if (k !== "ratePerSecond" && !(k in handlers)) throw new RangeError(`ratePerSecond names an unknown operation: ${k}`);
  }
  const genNow = (options.now ?? new Date()).getTime();
  if (!Number.isFinite(genNow)) throw new RangeError("now must be a valid date");

  const state = new SandboxState({
    seed,
    customers,
    resourcesPerCustomer: perCustomer,
    now: genNow,
    xaccountType,
    site,
    realnameBucketConfigured: options.realnameBucketConfigured ?? true,
    partnerDomainId: options.credentials?.domainId,
  });
  const credentials = options.credentials ? { ak: options.credentials.ak, sk: options.credentials.sk } : state.defaultCredentials;
  const partnerDomainId = state.partnerDomainId;
  const maxSkewMs = options.maxSkewMs ?? 15 * 60_000;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 86_400;
  let faults = validateFaults(options.faults);
  let clock: () => number = Date.now;
  for (const [customerId, review] of Object.entries(options.earlierReviews ?? {})) {
    seedEarlierReview({ state, caller: { kind: "partner" }, now: genNow, lang: "zh_CN" }, customerId, review);
  }
  const limiter = new SlidingWindowLimiter();
  const tokens = new TokenStore();
  const log = options.log;

  const stats: SandboxStats = {
    requests: {},
    responses: {},
    throttleCodes: {},
    throttled: 0,
    throttledByOperation: {},
    faults: { error: 0, throttle: 0, timeout: 0, ambiguous: 0, latency: 0 },
    injected: [],
    effects: { ordersCreated: 0, ordersPaid: 0, realnameSubmissions: 0, autoRenewChanges: 0, tokensIssued: 0 },
  };
  let faultSeq = 0;
  const held = new Set<ServerResponse>();
  const reset = new WeakSet<ServerResponse>();
  let closing = false;

  const quotaFor = (name: string): number => {
    const r = options.ratePerSecond;
    if (typeof r === "number") return r;
    return r?.[name] ?? DEFAULT_RATE;
  };
  const bump = (rec: Record<string, number>, key: string): void => {
    rec[key] = (rec[key] ?? 0) + 1;
  };
  const recordFault = (operation: string, kind: FaultKind): void => {
    stats.faults[kind]++;
    stats.injected.push({ seq: faultSeq, operation, kind });
  };

  const send = (res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void => {
    bump(stats.responses, String(status));
    if (res.destroyed) return;
    // X-Partner-Ops-Sandbox: how a client (the engine's banner) tells a sandbox from the real BSS.
    const headers: Record<string, string> = { "X-Request-Id": requestId(), [SANDBOX_HEADER]: "1", ...extraHeaders };
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, { ...headers, "Content-Type": "application/json;charset=UTF-8", "Content-Length": String(Buffer.byteLength(text)) }).end(text);
  };
  let reqCounter = 0;
  const requestId = (): string => `sbx-${(++reqCounter).toString(16).padStart(8, "0")}`;
  const sendError = (res: ServerResponse, err: SandboxError): void => send(res, err.status, err.body());

  const hold = (res: ServerResponse): void => {
    bump(stats.responses, "0");
    held.add(res);
    res.on("close", () => held.delete(res));
  };

  /**
   * Flow control answers 429 either from BSS (CBC.0250) or from the API gateway in front of it
   * (APIG.0308 "over ratelimit", bss-api.md §1.7); which one is drawn from (seed, throttle number).
   */
  let throttleSeq = 0;
  const throttleAnswer = (quota: number): SandboxError => {
    const gateway = hashUnit(seed, `throttle-code:${++throttleSeq}`) < 0.5;
    const err = gateway
      ? new SandboxError(429, "APIG.0308", `over ratelimit,limit:${quota},time:1 second`)
      : new SandboxError(429, "CBC.0250", "flow control: too many requests, try again later");
    bump(stats.throttleCodes, err.code);
    return err;
  };

  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    const body = await readBody(req);
    if (!body) {
      sendError(res, new SandboxError(413, "APIG.0201", "Request entity too large"));
      return "(body too large)";
    }
    const authReq: AuthRequest = { method, url: url.toString(), headers: req.headers, body };
    const authCfg = (requireDomainId = true): AuthConfig => ({ ak: credentials.ak, sk: credentials.sk, partnerDomainId, maxSkewMs, now: clock(), tokens, requireDomainId });

    // IAM: the accounts of the caller (how an SDK finds X-Domain-Id when it is not configured).
    if (url.pathname === IAM_DOMAINS_PATH || url.pathname === `${IAM_DOMAINS_PATH}/`) {
      bump(stats.requests, IAM_DOMAINS_OPERATION);
      if (method !== "GET") {
        sendError(res, new SandboxError(404, "APIG.0101", "The API does not exist."));
        return IAM_DOMAINS_OPERATION;
      }
      if (!verifyPartnerSignature(authReq, authCfg(false)).ok) {
        sendError(res, iamUnauthenticated());
        return IAM_DOMAINS_OPERATION;
      }
      if ((await injectBefore(res, IAM_DOMAINS_OPERATION, false)) === true) return IAM_DOMAINS_OPERATION;
      const self = `${url.origin}${IAM_DOMAINS_PATH}`;
      send(res, 200, {
        domains: [{ enabled: true, id: partnerDomainId, name: state.partnerAccountName, description: "", links: { self: `${url.origin}/v3/domains/${partnerDomainId}` } }],
        links: { self },
      });
      return IAM_DOMAINS_OPERATION;
    }

    // IAM agency token endpoint.
    if (url.pathname === IAM_TOKEN_PATH || url.pathname === `${IAM_TOKEN_PATH}/`) {
      bump(stats.requests, IAM_OPERATION);
      if (method !== "POST") {
        sendError(res, new SandboxError(404, "APIG.0101", "The API does not exist."));
        return IAM_OPERATION;
      }
      if (!verifyPartnerSignature(authReq, authCfg()).ok) {
        sendError(res, iamUnauthenticated());
        return IAM_OPERATION;
      }
      if ((await injectBefore(res, IAM_OPERATION, false)) === true) return IAM_OPERATION;
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(body).toString("utf8"));
      } catch {
        sendError(res, iamBodyInvalid("The body is not JSON."));
        return IAM_OPERATION;
      }
      const v = requestValidator(IAM_OPERATION, site).check({ query: {}, pathParams: {}, body: parsed });
      if (!v.ok) {
        sendError(res, iamBodyInvalid(v.message));
        return IAM_OPERATION;
      }
      try {
        const result = createAgencyToken(state, tokens, v.body as AssumeRoleRequest, clock(), tokenTtlSeconds);
        stats.effects.tokensIssued++;
        send(res, 201, result.body, { "X-Subject-Token": result.token });
      } catch (err) {
        if (err instanceof SandboxError) sendError(res, err);
        else throw err;
      }
      return IAM_OPERATION;
    }

    const { route, pathParams, pathKnown } = matchRoute(routes, method, url.pathname);
    if (!route) {
      bump(stats.requests, "(unknown)");
      sendError(
        res,
        new SandboxError(404, "APIG.0101", pathKnown ? "The API does not exist." : "The API does not exist or has not been published in the environment."),
      );
      return "(unknown)";
    }
    const { name } = route;
    bump(stats.requests, name);

    const auth = authenticate(authReq, authCfg());
    if (!auth.ok) {
      sendError(res, auth.error);
      return name;
    }
    const caller: Caller = auth.caller;
    if (route.caller === "customer" && caller.kind !== "customer") {
      sendError(res, new SandboxError(403, "CBC.0155", "this API accepts customer credentials only (partner AK/SK or token not allowed)"));
      return name;
    }
    if (route.caller === "partner" && caller.kind !== "partner") {
      sendError(res, new SandboxError(403, "CBC.0155", "this API accepts partner credentials only"));
      return name;
    }

    if (!limiter.tryAcquire(`${auth.account}\u0000${name}`, quotaFor(name), performance.now())) {
      stats.throttled++;
      bump(stats.throttledByOperation, name);
      sendError(res, throttleAnswer(quotaFor(name)));
      return name;
    }

    const decision = await injectBefore(res, name, route.write);
    if (decision === true) return name;

    const validator = requestValidator(name, site);
    let raw: unknown = undefined;
    if (validator.hasBody) {
      const text = Buffer.from(body).toString("utf8");
      // AutoRenewalResources documents its body as optional; every other body operation needs JSON.
      if (text.trim() === "" && name === "AutoRenewalResources") raw = {};
      else {
        try {
          raw = JSON.parse(text);
        } catch {
          sendError(res, new SandboxError(400, "CBC.0100", "the request body is not valid JSON"));
          return name;
        }
      }
    }
    const v = validator.check({ query: queryObject(url.searchParams), pathParams, body: raw });
    if (!v.ok) {
      sendError(res, new SandboxError(400, "CBC.0100", `parameter error: ${v.message}`));
      return name;
    }
    const params = (validator.hasBody ? v.body : v.query) as Record<string, unknown>;
    const broken = checkRules(name, params, site);
    if (broken) {
      sendError(res, new SandboxError(400, "CBC.0100", `parameter error: ${broken}`));
      return name;
    }
    const lang: Lang = String(req.headers["x-language"] ?? "").toLowerCase() === "en_us" ? "en_US" : "zh_CN";
    const ctx: OpContext = {
      state,
      caller,
      now: clock(),
      lang,
      attachmentExists: options.attachmentExists,
      effect: (e, n = 1) => {
        stats.effects[e] += n;
      },
    };
    let result: unknown;
    try {
      result = await runOperation(name, ctx, params, pathParams);
    } catch (err) {
      if (err instanceof SandboxError) {
        sendError(res, err);
        return name;
      }
      throw err;
    }
    if (decision && decision.after) {
      // The effect has been applied; the client must not learn it from this answer.
      recordFault(name, "ambiguous");
      if (decision.after === "ambiguous-reset") {
        bump(stats.responses, "0");
        reset.add(res);
        res.socket?.resetAndDestroy();
      } else {
        sendError(res, new SandboxError(500, "CBC.0999", "internal error"));
      }
      return name;
    }
    send(res, route.status, route.status === 204 ? undefined : result);
    return name;
  }

  /**
   * Applies the injected fault decided for this request. Returns true when the request has been
   * answered (or held), otherwise the decision (for the ambiguous-after case).
   */
  async function injectBefore(res: ServerResponse, operation: string, isWrite: boolean): Promise<true | ReturnType<typeof decideFault> | undefined> {
    const f = faults;
    if (!f.errorRate && !f.throttleRate && !f.timeoutRate && !f.ambiguousRate && f.latencyMs === undefined) return undefined;
    const n = ++faultSeq;
    const d = decideFault(seed, n, f, isWrite);
    if (d.latencyMs > 0) {
      recordFault(operation, "latency");
      await sleep(d.latencyMs);
      if (closing || res.destroyed) return true;
    }
    if (d.before === "error") {
      recordFault(operation, "error");
      sendError(res, new SandboxError(500, "CBC.0999", "internal error"));
      return true;
    }
    if (d.before === "throttle") {
      recordFault(operation, "throttle");
      sendError(res, throttleAnswer(quotaFor(operation)));
      return true;
    }
    if (d.before === "timeout") {
      recordFault(operation, "timeout");
      hold(res);
      return true;
    }
    return d;
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    handle(req, res)
      .then((op) => {
        log?.(`${req.method} ${(req.url ?? "").split("?")[0]} ${held.has(res) ? "held (timeout fault)" : reset.has(res) ? "reset (ambiguous fault)" : res.statusCode} ${op} ${Math.round(performance.now() - started)}ms`);
      })
      .catch((err: unknown) => {
        log?.(`${req.method} ${(req.url ?? "").split("?")[0]} 500 internal error: ${(err as Error).message}`);
        if (!res.headersSent && !res.destroyed) sendError(res, new SandboxError(500, "CBC.0999", "internal error"));
      });
  });
  server.keepAliveTimeout = 5000;
  const sweeper = setInterval(() => {
    limiter.sweep(performance.now());
    tokens.sweep(clock());
  }, 10_000);
  sweeper.unref();

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;

  const data: SandboxData = {
    partnerDomainId,
    managers: state.managers,
    customers: state.customers,
    customer: (id) => state.customer(id),
    customerByAccountName: (n) => state.customerByAccountName(n),
    resources: (id) => state.resources(id),
    allResources: () => state.allResources(),
    orders: state.orders,
    realname: state.realname,
    registration: state.registration,
    issuedTokens: tokens.issued,
  };

  return {
    url: `http://${host}:${addr.port}`,
    credentials: { ...credentials },
    xaccountType,
    site,
    data,
    stats,
    control: {
      setFaults(f) {
        faults = validateFaults(f);
      },
      setReviewOutcome(customerId, outcome) {
        const ctx: OpContext = { state, caller: { kind: "partner" }, now: clock(), lang: "zh_CN" };
        setReviewOutcome(ctx, customerId, outcome);
      },
      setRealnameBucketConfigured(v) {
        state.realnameBucketConfigured = v;
      },
      seedEarlierReview(customerId, review) {
        seedEarlierReview({ state, caller: { kind: "partner" }, now: clock(), lang: "zh_CN" }, customerId, review);
      },
      setClock(now) {
        clock = now;
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        clearInterval(sweeper);
        for (const res of held) res.destroy();
        held.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
