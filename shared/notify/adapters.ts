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
import { localDateString } from "../renewal/calendar.ts";
import { MAX_TEMPLATE_BYTES, TEMPLATE_FILES, type TemplateProblem, type TemplateSet, buildTemplateSet } from "./template-engine.ts";
import { validateTemplateFile } from "./templates.ts";

/** The sender: an address, or an address with a display name (the partner's sender name). */
export type Sender = string | { name: string; address: string };

export async function composeRaw(from: Sender, m: Parameters<EmailSender["send"]>[0], messageId: string): Promise<Buffer> {
  const composer = new MailComposer({
    from: typeof from === "string" || !from.name ? (typeof from === "string" ? from : from.address) : from,
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

export function sesEmailSender(options: { from: Sender; client?: SESv2Client; configurationSet?: string | undefined }): EmailSender {
  const client = options.client ?? new SESv2Client({});
  return {
    async send(m) {
      const raw = await composeRaw(options.from, m, `<${randomUUID()}@partner-ops>`);
      const res = await client.send(
        new SendEmailCommand({
          FromEmailAddress: typeof options.from === "string" ? options.from : options.from.address,
          Destination: { ToAddresses: m.to, ...(m.cc.length ? { CcAddresses: m.cc } : {}) },
          Content: { Raw: { Data: raw } },
          ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
        }),
      );
      return res.MessageId ?? "";
    },
  };
}

/**
 * Local stand-in for SES: the raw message as an .eml object (`<prefix>YYYY-MM-DD/<id>.eml`). The folder is
 * the message's run date (the scan's run date, China time by default) — or, for a message without one,
 * today's date in `timeZone` — never the UTC date (a scan at 07:00 China time is still "yesterday" in UTC).
 */
export function outboxEmailSender(options: { from: Sender; bucket: Bucket; prefix: string; timeZone: string; now?: () => Date }): EmailSender {
  return {
    async send(m) {
      const id = randomUUID();
      const { runDate, ...message } = m;
      const raw = await composeRaw(options.from, message, `<${id}@partner-ops.local>`);
      const day = runDate && /^\d{4}-\d{2}-\d{2}$/.test(runDate) ? runDate : localDateString((options.now?.() ?? new Date()).getTime(), options.timeZone);
      await options.bucket.put(`${options.prefix}${day}/${id}.eml`, raw, { contentType: "message/rfc822" });
      return id;
    },
  };
}

/**
 * The message templates of this stage: overrides from the bucket (`<prefix>reminder.zh.yml`, …; a missing
 * file means the default), each validated; a refused one is logged once (file, line, problem — never the
 * template text) and the default is used. Call once per cold start and keep the result.
 */
export async function loadTemplateSet(
  bucket: Bucket,
  prefix: string,
  log: { error(message: string, extra: Record<string, unknown>): void; info(message: string, extra: Record<string, unknown>): void },
): Promise<TemplateSet> {
  const overrides = new Map<string, string>();
  const problems: TemplateProblem[] = [];
  for (const o of await bucket.list(prefix, { limit: 100 })) {
    const file = o.key.slice(prefix.length);
    if (!TEMPLATE_FILES.includes(file)) continue;
    if (o.size > MAX_TEMPLATE_BYTES) {
      problems.push({ file, line: 1, message: `larger than ${MAX_TEMPLATE_BYTES} bytes` });
      continue;
    }
    overrides.set(file, Buffer.from((await bucket.get(o.key)).body).toString("utf8"));
  }
  const report = (p: TemplateProblem) => log.error("message template refused; the shipped default is used", { file: `${prefix}${p.file}`, line: p.line, problem: p.message });
  problems.forEach(report);
  const set = buildTemplateSet(overrides, validateTemplateFile, report);
  if (set.overridden.length) log.info("message templates overridden", { files: set.overridden });
  return set;
}

/** loadTemplateSet once per cold start (a failed read is retried at the next call, never cached). */
export function lazyTemplateSet(...args: Parameters<typeof loadTemplateSet>): () => Promise<TemplateSet> {
  let set: Promise<TemplateSet> | undefined;
  return () => {
    set ??= loadTemplateSet(...args);
    set.catch(() => (set = undefined));
    return set;
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
