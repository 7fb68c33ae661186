/**
 * I/O adapters of the notify step (one per outside system), built by the handlers and passed to
 * deliver.ts:
 * - e-mail: SES v2 SendEmail with the raw MIME message (AWS), or an "outbox" that stores the same raw
 *   message as `<prefix><date>/<id>.eml` in a bucket (local engine: readable with any mail client);
 * - HTTP: fetch with a timeout;
 * - secret references of the directory: `env:NAME` (the function's environment), `ssm:/…` and
 *   `secretsmanager:…` through the AWS Parameters and Secrets extension (same protocol as shared/config);
 * - digest store: one small JSON object per pending reminder in a bucket.
 */
import { randomUUID } from "node:crypto";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import MailComposer from "nodemailer/lib/mail-composer/index.js";
import type { Bucket } from "../storage/index.ts";
import { parseSecretRef } from "../config/index.ts";
import type { DigestItem, DigestStore, EmailSender, HttpPoster, RefResolver } from "./deliver.ts";
import { digestItemId } from "./deliver.ts";
import { managerKey } from "../renewal/messages.ts";

export async function composeRaw(from: string, m: Parameters<EmailSender["send"]>[0], messageId: string): Promise<Buffer> {
  const composer = new MailComposer({
    from,
    to: m.to,
    ...(m.cc.length ? { cc: m.cc } : {}),
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId,
    headers: m.headers,
    textEncoding: "base64",
  });
  return composer.compile().build();
}

export function sesEmailSender(options: { from: string; client?: SESv2Client; configurationSet?: string | undefined }): EmailSender {
  const client = options.client ?? new SESv2Client({});
  return {
    async send(m) {
      const raw = await composeRaw(options.from, m, `<${randomUUID()}@partner-ops>`);
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: m.to, ...(m.cc.length ? { CcAddresses: m.cc } : {}) },
          Content: { Raw: { Data: raw } },
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        }),
      );
      return res.MessageId ?? "";
    },
  };
}

/** Local stand-in for SES: the raw message as an .eml object (`<prefix>YYYY-MM-DD/<id>.eml`). */
export function outboxEmailSender(options: { from: string; bucket: Bucket; prefix: string; now?: () => Date }): EmailSender {
  return {
    async send(m) {
      const id = randomUUID();
      const raw = await composeRaw(options.from, m, `<${id}@partner-ops.local>`);
      const day = (options.now?.() ?? new Date()).toISOString().slice(0, 10);
      await options.bucket.put(`${options.prefix}${day}/${id}.eml`, raw, { contentType: "message/rfc822" });
      return id;
    },
  };
}

export function fetchPoster(options: { timeoutMs: number; fetch?: typeof globalThis.fetch }): HttpPoster {
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    async post(req) {
      const res = await doFetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: AbortSignal.timeout(options.timeoutMs), redirect: "manual" });
      return { status: res.status, body: (await res.text()).slice(0, 4096) };
    },
  };
}

/**
 * Resolver of directory references. `env:NAME` reads `env` (the function's environment); the others go
 * through the Parameters and Secrets extension. Values are cached for the life of the instance.
 */
export function refResolver(options: { env: NodeJS.ProcessEnv; port?: number; fetch?: typeof globalThis.fetch }): RefResolver {
  const cache = new Map<string, Promise<string>>();
  const doFetch = options.fetch ?? globalThis.fetch;
  const resolve = async (ref: string): Promise<string> => {
    if (ref.startsWith("env:")) {
      const v = options.env[ref.slice(4)];
      if (!v) throw new Error(`directory reference env:${ref.slice(4)} is not set in the function's environment`);
      return v;
    }
    const parsed = parseSecretRef(ref);
    const token = options.env["AWS_SESSION_TOKEN"];
    if (!token) throw new Error("a ssm:/secretsmanager: directory reference needs the Parameters and Secrets extension (AWS only)");
    const port = options.port ?? 2773;
    const url =
      parsed.source === "ssm"
        ? `http://localhost:${port}/systemsmanager/parameters/get?name=${encodeURIComponent(parsed.name)}&withDecryption=true`
        : `http://localhost:${port}/secretsmanager/get?secretId=${encodeURIComponent(parsed.id)}`;
    const res = await doFetch(url, { headers: { "X-Aws-Parameters-Secrets-Token": token }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`a directory reference could not be read (HTTP ${res.status})`);
    const body = (await res.json()) as { Parameter?: { Value?: string }; SecretString?: string };
    let value = parsed.source === "ssm" ? body.Parameter?.Value : body.SecretString;
    if (parsed.source === "secretsmanager" && parsed.jsonKey && value) value = String((JSON.parse(value) as Record<string, unknown>)[parsed.jsonKey] ?? "");
    if (!value) throw new Error("a directory reference resolved to an empty value");
    return value;
  };
  return (ref) => {
    let p = cache.get(ref);
    if (!p) {
      p = resolve(ref);
      cache.set(ref, p);
      p.catch(() => cache.delete(ref));
    }
    return p;
  };
}

/** Digest items as JSON objects: `<prefix>pending/<managerKey>/<runDate>/<id>.json`. */
export function bucketDigestStore(bucket: Bucket, prefix: string): DigestStore {
  const pendingPrefix = `${prefix}pending/`;
  return {
    async put(runDate, item: DigestItem) {
      const key = `${pendingPrefix}${managerKey(item.manager.email)}/${runDate}/${digestItemId(runDate, item.reminder.keyString)}.json`;
      await bucket.put(key, JSON.stringify(item), { contentType: "application/json" });
    },
    async listPending() {
      const out = new Map<string, string[]>();
      for (const o of await bucket.list(pendingPrefix)) {
        const m = o.key.slice(pendingPrefix.length).split("/")[0];
        if (!m) continue;
        const list = out.get(m) ?? [];
        list.push(o.key);
        out.set(m, list);
      }
      return out;
    },
    async get(key) {
      const o = await bucket.get(key);
      return JSON.parse(Buffer.from(o.body).toString("utf8")) as DigestItem;
    },
    async delete(keys) {
      await bucket.deleteMany(keys);
    },
  };
}
