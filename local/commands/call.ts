/**
 * `partner-ops call`: one raw BSS request, signed like every other call (same transport: fresh
 * signature per attempt, timeout, retries that never resend a write that may have taken effect).
 * Credentials come from the environment only; nothing secret is ever printed.
 */
import { z } from "zod";
import { BssError, businessFailure, isBssError } from "../../shared/bss/errors.ts";
import { DEFAULT_IAM_ENDPOINT, createTokenProvider, partnerAuthResolver } from "../../shared/bss/iam.ts";
import type { Effect, HttpMethod } from "../../shared/bss/operations.ts";
import { operations } from "../../shared/bss/operations.ts";
import type { TransportAuth } from "../../shared/bss/transport.ts";
import { createTransport } from "../../shared/bss/transport.ts";
import { UrlBuildError, normalisePath } from "../../shared/bss/url.ts";
import { ENDPOINTS } from "../../shared/bss/client.ts";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";

const usage = `Usage: partner-ops call <METHOD> <PATH> [--query k=v]... [--data JSON | --data @file | --data -]
                         [--customer-token-for <customer_id>] [--timeout <ms>]

Sends one request to the BSS endpoint and prints the response body (pretty JSON) on stdout.
On failure prints "error <status> <error_code>: <message>" on stderr and exits with 1.
  METHOD                GET, POST, PUT or DELETE. A catalogued read (GET, or a POST query such as
                        ListSubCustomers) is retried on throttling, 5xx and network errors; any
                        other request is resent only when certainly not executed (429, connection
                        refused) — otherwise the error says the outcome is ambiguous.
  PATH                  e.g. /v2/partners/sub-customers/query (no query string: use --query)
  --query k=v           query parameter; repeat for more (a repeated key sends several values)
  --data JSON           request body; @file reads a file, - reads stdin
  --customer-token-for  act as that customer (IAM assume_role through HWC_AGENCY_NAME)
  --timeout ms          per-attempt timeout (default 10000)

Environment:
  HWC_ENDPOINT          cn (default, ${ENDPOINTS.cn}), intl (${ENDPOINTS.intl}) or a URL
  HWC_AK, HWC_SK        AK/SK (optional HWC_SECURITY_TOKEN for temporary keys, HWC_DOMAIN_ID)
  HWC_AUTH_TOKEN        an IAM token instead of AK/SK
  HWC_IAM_ENDPOINT      for --customer-token-for (default ${DEFAULT_IAM_ENDPOINT})
  HWC_AGENCY_NAME       for --customer-token-for: the agency name = the partner's xaccount_type
                        (HWC_XACCOUNT_TYPE is used when HWC_AGENCY_NAME is not set)`;

const nonEmpty = z.string().min(1, "empty");
const envSchema = z
  .object({
    HWC_ENDPOINT: z.union([z.literal("cn"), z.literal("intl"), z.url({ protocol: /^https?$/, error: "must be cn, intl or an http(s) URL" })]).default("cn"),
    HWC_AK: nonEmpty.optional(),
    HWC_SK: nonEmpty.optional(),
    HWC_SECURITY_TOKEN: nonEmpty.optional(),
    HWC_DOMAIN_ID: nonEmpty.optional(),
    HWC_AUTH_TOKEN: nonEmpty.optional(),
    HWC_IAM_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default(DEFAULT_IAM_ENDPOINT),
    HWC_AGENCY_NAME: nonEmpty.optional(),
    HWC_XACCOUNT_TYPE: nonEmpty.optional(),
  })
  .superRefine((env, ctx) => {
    const aksk = env.HWC_AK !== undefined || env.HWC_SK !== undefined;
    if (aksk && (env.HWC_AK === undefined || env.HWC_SK === undefined)) {
      ctx.addIssue({ code: "custom", path: [env.HWC_AK === undefined ? "HWC_AK" : "HWC_SK"], message: "set both HWC_AK and HWC_SK" });
    } else if (!aksk && env.HWC_AUTH_TOKEN === undefined) {
      ctx.addIssue({ code: "custom", path: ["HWC_AK"], message: "set HWC_AK and HWC_SK, or HWC_AUTH_TOKEN" });
    } else if (aksk && env.HWC_AUTH_TOKEN !== undefined) {
      ctx.addIssue({ code: "custom", path: ["HWC_AUTH_TOKEN"], message: "set either HWC_AK/HWC_SK or HWC_AUTH_TOKEN, not both" });
    }
  });

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "DELETE"];

interface Parsed {
  method: HttpMethod;
  path: string;
  query: Record<string, string | string[]>;
  data: string | undefined;
  customerId: string | undefined;
  timeoutMs: number;
}

function parseArgs(argv: string[]): Parsed {
  const positional: string[] = [];
  const query: Record<string, string | string[]> = {};
  let data: string | undefined;
  let customerId: string | undefined;
  let timeoutMs = 10_000;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--query":
      case "-q": {
        const kv = value();
        const sep = kv.indexOf("=");
        if (sep <= 0) throw new UsageError(`--query expects k=v, got "${kv}"`);
        const k = kv.slice(0, sep);
        const v = kv.slice(sep + 1);
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        break;
      }
      case "--data":
      case "-d":
        if (data !== undefined) throw new UsageError("--data given twice");
        data = value();
        break;
      case "--customer-token-for":
        customerId = value();
        if (customerId === "") throw new UsageError("--customer-token-for needs a customer id");
        break;
      case "--timeout": {
        const t = Number(value());
        if (!Number.isInteger(t) || t <= 0) throw new UsageError("--timeout expects a positive number of milliseconds");
        timeoutMs = t;
        break;
      }
      default:
        if (arg.startsWith("-") && arg !== "-") throw new UsageError(`unknown option "${flag}"`);
        positional.push(arg);
    }
  }
  if (positional.length < 2) throw new UsageError("METHOD and PATH are required");
  if (positional.length > 2) throw new UsageError(`unexpected argument "${positional[2]}"`);
  const method = positional[0]!.toUpperCase() as HttpMethod;
  if (!METHODS.includes(method)) throw new UsageError(`METHOD must be one of ${METHODS.join(", ")}`);
  let path: string;
  try {
    path = normalisePath(positional[1]!);
  } catch (err) {
    if (err instanceof UrlBuildError) throw new UsageError(err.message);
    throw err;
  }
  return { method, path, query, data, customerId, timeoutMs };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

async function loadBody(data: string | undefined, io: CommandIO): Promise<unknown> {
  if (data === undefined) return undefined;
  let text = data;
  if (data === "-") text = await readAll(io.stdin);
  else if (data.startsWith("@")) {
    const { readFile } = await import("node:fs/promises");
    try {
      text = await readFile(data.slice(1), "utf8");
    } catch {
      throw new UsageError(`cannot read ${data.slice(1)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError("--data is not valid JSON");
  }
}

/** The catalogue's effect for METHOD + PATH; unknown requests: GET is a read, anything else a write. */
export function effectOf(method: HttpMethod, encodedPath: string): { effect: Effect; operation?: string } {
  for (const [name, def] of Object.entries(operations)) {
    if (def.method !== method) continue;
    const escaped = def.path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[a-z_]+\}/g, "[^/]+");
    const pattern = new RegExp(`^${escaped}/?$`);
    if (pattern.test(encodedPath)) return { effect: def.effect, operation: name };
  }
  return { effect: method === "GET" ? "read" : "write" };
}

function issues(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

function errorLine(err: BssError): string {
  return `error ${err.status ?? "-"} ${err.code}: ${err.detail}\n`;
}

export const command: Command = {
  name: "call",
  summary: "send one signed request to the BSS endpoint and print the JSON answer",
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const args = parseArgs(argv);
    const envResult = envSchema.safeParse(io.env);
    if (!envResult.success) throw new UsageError(issues(envResult.error));
    const env = envResult.data;
    const body = await loadBody(args.data, io);
    if (body !== undefined && args.method === "GET") throw new UsageError("GET takes no --data");

    const endpoint = env.HWC_ENDPOINT === "cn" || env.HWC_ENDPOINT === "intl" ? ENDPOINTS[env.HWC_ENDPOINT] : env.HWC_ENDPOINT;
    const configured: TransportAuth =
      env.HWC_AUTH_TOKEN !== undefined
        ? { type: "token", token: env.HWC_AUTH_TOKEN }
        : { type: "aksk", credentials: { ak: env.HWC_AK!, sk: env.HWC_SK!, securityToken: env.HWC_SECURITY_TOKEN, domainId: env.HWC_DOMAIN_ID } };
    const known = effectOf(args.method, args.path);
    const operation = known.operation ?? `${args.method} ${args.path}`;

    try {
      // X-Domain-Id with AK/SK (global services): HWC_DOMAIN_ID, else looked up once at IAM.
      const iam = createTransport({ endpoint: env.HWC_IAM_ENDPOINT, timeoutMs: args.timeoutMs });
      const partner = partnerAuthResolver(configured, iam);
      let auth = args.customerId === undefined ? await partner.get() : configured;
      if (args.customerId !== undefined) {
        const agencyName = env.HWC_AGENCY_NAME ?? env.HWC_XACCOUNT_TYPE;
        if (agencyName === undefined) throw new UsageError("--customer-token-for needs HWC_AGENCY_NAME (or HWC_XACCOUNT_TYPE): the partner's xaccount_type");
        const tokens = createTokenProvider({ transport: iam, partnerAuth: () => partner.get(), agencyName });
        auth = { type: "token", token: await tokens.get({ id: args.customerId }) };
      }
      const transport = createTransport({ endpoint, timeoutMs: args.timeoutMs });
      const res = await transport.send({
        operation,
        method: args.method,
        path: args.path,
        query: args.query,
        ...(body !== undefined ? { body } : {}),
        effect: known.effect,
        auth,
      });
      if (res.body !== undefined) io.stdout.write(JSON.stringify(res.body, null, 2) + "\n");
      const failure = businessFailure(res.body);
      if (failure) {
        io.stderr.write(errorLine(new BssError({ operation, kind: "business", status: res.status, code: failure.code, message: failure.message })));
        return 1;
      }
      return 0;
    } catch (err) {
      if (isBssError(err)) {
        io.stderr.write(errorLine(err));
        if (err.kind === "ambiguous") io.stderr.write("The request may have been executed: check the state before sending it again.\n");
        return 1;
      }
      throw err;
    }
  },
};
