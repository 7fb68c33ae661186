/**
 * Local SMTP ingress standing in for SES inbound: accepts mail for the recipients of the SES receipt
 * rules in serverless.yml, refuses everything else, enforces a size limit, and stores each raw
 * message in the rule's bucket under `<ObjectKeyPrefix><messageId>` — with the Return-Path and
 * Received headers a receiving server adds in front — exactly where SES's S3 action puts it. The
 * object's creation then triggers the S3 notifications like any other upload.
 */
import { randomBytes } from "node:crypto";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";
import type { LocalMailRule } from "./resources.ts";

export const DEFAULT_SMTP_MAX_BYTES = 40 * 1024 * 1024; // SES inbound limit for the S3 action

/** SES-style message id: 40 lower-case alphanumerics. */
export function sesMessageId(): string {
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  return [...randomBytes(40)].map((b) => alphabet[b & 31]).join("");
}

/**
 * SES recipient matching: an entry is a full address, a domain (every address at exactly that
 * domain) or `.domain` (every subdomain). An empty list matches everything. Case-insensitive. Pure.
 */
export function recipientMatches(recipients: readonly string[], address: string): boolean {
  if (recipients.length === 0) return true;
  const a = address.toLowerCase();
  const at = a.lastIndexOf("@");
  const domain = at >= 0 ? a.slice(at + 1) : a;
  return recipients.some((r) => {
    const x = r.toLowerCase();
    if (x.includes("@")) return x === a;
    if (x.startsWith(".")) return domain.endsWith(x);
    return domain === x;
  });
}

/** Rules (by bucket + prefix, deduplicated) that take a message for these recipients. */
export function rulesFor(rules: readonly LocalMailRule[], recipients: readonly string[]): LocalMailRule[] {
  const out = new Map<string, LocalMailRule>();
  for (const r of rules) {
    if (!r.enabled) continue;
    if (recipients.some((rcpt) => recipientMatches(r.recipients, rcpt))) out.set(`${r.bucket}\n${r.prefix}`, r);
  }
  return [...out.values()];
}

/** The headers a receiving MTA prepends, in front of the message as received. */
export function receivedHeaders(session: { mailFrom: string; clientHostname: string; remoteAddress: string; id: string; recipients: string[] }, now: Date): string {
  const date = now.toUTCString().replace("GMT", "+0000");
  const rcpt = session.recipients.length === 1 ? `\r\n\tfor <${session.recipients[0]}>` : "";
  return `Return-Path: <${session.mailFrom}>\r\nReceived: from ${session.clientHostname} ([${session.remoteAddress}])\r\n\tby partner-ops-engine with SMTP id ${session.id}${rcpt};\r\n\t${date}\r\n`;
}

export interface SmtpIngressOptions {
  host: string;
  port: number;
  maxBytes: number;
  rules: LocalMailRule[];
  store(bucket: string, key: string, body: Buffer): Promise<void>;
  onMessage?(info: { messageId: string; keys: string[]; bytes: number; recipients: number }): void;
  /** A message over maxBytes was refused (552); `heldBytes` is the most this ingress ever held of it. */
  onRefused?(info: { bytesSeen: number; heldBytes: number }): void;
  onError?(err: Error): void;
}

export interface SmtpIngress {
  port: number;
  host: string;
  close(): Promise<void>;
}

/** What readLimited read: the message, or the refusal of one over the limit with what was held of it. */
export type LimitedRead = { ok: true; raw: Buffer } | { ok: false; bytesSeen: number; heldBytes: number };

/**
 * Reads a DATA stream into memory up to `maxBytes`. The moment the message is over the limit, every
 * chunk held so far is released and the promise settles (so the server can answer 552); the stream
 * keeps flowing into nothing until the client's terminating dot, so memory stays at most `maxBytes`
 * whatever the client sends.
 */
export function readLimited(stream: NodeJS.ReadableStream & { sizeExceeded?: boolean }, maxBytes: number): Promise<LimitedRead> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let held = 0;
    let seen = 0;
    let done = false;
    stream.on("data", (c: Buffer) => {
      seen += c.length;
      if (done) return;
      if (held + c.length > maxBytes || stream.sizeExceeded) {
        done = true;
        const heldBytes = held;
        chunks = [];
        held = 0;
        resolve({ ok: false, bytesSeen: seen, heldBytes });
        return;
      }
      chunks.push(c);
      held += c.length;
    });
    stream.on("end", () => {
      if (done) return;
      done = true;
      resolve({ ok: true, raw: Buffer.concat(chunks, held) });
    });
    stream.on("error", (err) => {
      if (!done) reject(err);
    });
  });
}

function smtpError(message: string, code: number): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpIngress(o: SmtpIngressOptions): Promise<SmtpIngress> {
  const inFlight = new Set<Promise<unknown>>();
  const server = new SMTPServer({
    name: "partner-ops-engine",
    banner: "partner-ops local SMTP ingress (SES stand-in)",
    size: o.maxBytes,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    closeTimeout: 2000,
    onRcptTo(address, _session, callback) {
      if (rulesFor(o.rules, [address.address]).length === 0) return callback(smtpError(`<${address.address}>: no receipt rule accepts this recipient`, 550));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const work = (async () => {
        const read = await readLimited(stream, o.maxBytes);
        if (!read.ok) {
          o.onRefused?.({ bytesSeen: read.bytesSeen, heldBytes: read.heldBytes });
          throw smtpError(`message exceeds the ${o.maxBytes}-byte limit`, 552);
        }
        const raw = read.raw;
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        const messageId = sesMessageId();
        const headers = receivedHeaders(
          { mailFrom, clientHostname: session.clientHostname || "unknown", remoteAddress: session.remoteAddress, id: messageId, recipients },
          new Date(),
        );
        const body = Buffer.concat([Buffer.from(headers, "latin1"), raw]);
        const keys: string[] = [];
        for (const rule of rulesFor(o.rules, recipients)) {
          const key = `${rule.prefix}${messageId}`;
          await o.store(rule.bucket, key, body);
          keys.push(`${rule.bucket}/${key}`);
        }
        o.onMessage?.({ messageId, keys, bytes: body.length, recipients: recipients.length });
        return messageId;
      })();
      inFlight.add(work);
      work
        .then(
          (id) => callback(null, `Ok: queued as ${id}`),
          (err: Error & { responseCode?: number }) => {
            if (!err.responseCode) o.onError?.(err);
            callback(err.responseCode ? err : smtpError("local storage failed, try again later", 451));
          },
        )
        .finally(() => inFlight.delete(work));
    },
  });
  server.on("error", (err) => o.onError?.(err));
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once("error", onError);
    server.listen(o.port, o.host, () => {
      server.server.off("error", onError);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === "object" && address ? address.port : o.port;
  return {
    port,
    host: o.host,
    async close() {
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
