/**
 * `partner-ops sign`: reads one request as JSON on stdin, prints it signed.
 * Credentials come from the environment only (never from arguments, which end up in shell history).
 */
import { z } from "zod";
import { signRequest } from "../../shared/signing/index.ts";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";

const usage = `Usage: partner-ops sign < request.json

Reads one HTTP request as JSON on stdin and prints the same request signed with Huawei Cloud
APIG AK/SK (SDK-HMAC-SHA256):
  in:  {"method": "GET", "url": "https://bss.myhuaweicloud.com/v2/...", "headers": {...}, "body": "..." | "bodyBase64": "..."}
  out: {"method", "url", "headers" (with X-Sdk-Date, host, Authorization, ...), "body" | "bodyBase64"}

Environment: HWC_AK, HWC_SK (required); HWC_SECURITY_TOKEN, HWC_PROJECT_ID, HWC_DOMAIN_ID (optional).
An X-Sdk-Date header in the input is kept; otherwise the current time is used.`;

const input = z
  .strictObject({
    method: z.string().regex(/^[A-Za-z]+$/, "an HTTP method such as GET or POST"),
    url: z.url({ protocol: /^https?$/ }),
    headers: z.record(z.string(), z.string()).default({}),
    body: z.string().optional(),
    bodyBase64: z.base64().optional(),
  })
  .refine((r) => r.body === undefined || r.bodyBase64 === undefined, "give body or bodyBase64, not both");

const envSchema = z.object({
  HWC_AK: z.string({ error: "not set" }).min(1, "empty"),
  HWC_SK: z.string({ error: "not set" }).min(1, "empty"),
  HWC_SECURITY_TOKEN: z.string().min(1).optional(),
  HWC_PROJECT_ID: z.string().min(1).optional(),
  HWC_DOMAIN_ID: z.string().min(1).optional(),
});

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

function issues(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

export const command: Command = {
  name: "sign",
  summary: "sign one HTTP request (JSON on stdin) with AK/SK; print it as it must be sent",
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    if (argv.length > 0) throw new UsageError(`unexpected argument "${argv[0]}"`);
    const env = envSchema.safeParse(io.env);
    if (!env.success) throw new UsageError(issues(env.error));
    const text = await readAll(io.stdin);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new UsageError("stdin is not valid JSON");
    }
    const req = input.safeParse(json);
    if (!req.success) throw new UsageError(`invalid request: ${issues(req.error)}`);
    const { method, url, headers, body, bodyBase64 } = req.data;
    const bytes = bodyBase64 !== undefined ? new Uint8Array(Buffer.from(bodyBase64, "base64")) : body;
    const signed = signRequest(
      { method, url, headers, ...(bytes !== undefined ? { body: bytes } : {}) },
      {
        ak: env.data.HWC_AK,
        sk: env.data.HWC_SK,
        securityToken: env.data.HWC_SECURITY_TOKEN,
        projectId: env.data.HWC_PROJECT_ID,
        domainId: env.data.HWC_DOMAIN_ID,
      },
    );
    const out: Record<string, unknown> = { method: signed.method, url: signed.url, headers: signed.headers };
    if (body !== undefined) out["body"] = body;
    if (bodyBase64 !== undefined) out["bodyBase64"] = bodyBase64;
    io.stdout.write(JSON.stringify(out, null, 2) + "\n");
    return 0;
  },
};
