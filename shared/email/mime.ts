/**
 * MIME parsing with mailparser's simpleParser, bounded: a size limit before parsing, a timeout, a
 * cap on MIME parts and header size, no HTML-to-text / text-to-HTML conversions (the intake does
 * its own), embedded message/rfc822 parts kept as attachments so forwards-as-attachment can be
 * parsed separately. Never throws: failures come back as { ok: false, reason }.
 */
import { Readable } from "node:stream";
import { simpleParser, type Attachment, type ParsedMail, type SimpleParserOptions } from "mailparser";

const CHUNK = 64 * 1024;

function* slices(raw: Buffer): Generator<Buffer> {
  for (let i = 0; i < raw.length; i += CHUNK) yield raw.subarray(i, i + CHUNK);
}

export const MAILPARSER_OPTIONS: SimpleParserOptions = {
  skipHtmlToText: true,
  skipTextToHtml: true,
  skipImageLinks: true,
  keepCidLinks: true,
  ignoreEmbedded: true,
  checksumAlgo: "sha256",
  maxChildNodes: 1000,
  maxHeadSize: 256 * 1024,
};

export interface MessageView {
  headers: Map<string, unknown>;
  subject: string;
  /** Lower-case address of the first From mailbox, or null. */
  from: string | null;
  replyTo: string[];
  to: string[];
  messageId: string | null;
  /** The Date header, or null. */
  date: Date | null;
  text: string | null;
  html: string | null;
  attachments: Attachment[];
}

export type MimeResult = { ok: true; view: MessageView } | { ok: false; reason: "unparseable-message" | "parse-timeout"; detail: string };

function addresses(v: ParsedMail["from"] | ParsedMail["to"] | undefined): string[] {
  if (!v) return [];
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  const walk = (entries: { address?: string | undefined; group?: unknown }[]) => {
    for (const e of entries) {
      if (e.address) out.push(e.address.toLowerCase());
      if (Array.isArray(e.group)) walk(e.group as { address?: string }[]);
    }
  };
  for (const a of list) if (a && Array.isArray(a.value)) walk(a.value);
  return out;
}

export function toView(m: ParsedMail): MessageView {
  const subject = typeof m.subject === "string" ? m.subject : "";
  return {
    headers: (m.headers ?? new Map()) as Map<string, unknown>,
    subject,
    from: addresses(m.from)[0] ?? null,
    replyTo: addresses(m.replyTo),
    to: [...addresses(m.to), ...addresses(m.cc)],
    messageId: typeof m.messageId === "string" && m.messageId.trim() ? m.messageId.trim() : null,
    date: m.date instanceof Date && !Number.isNaN(m.date.getTime()) ? m.date : null,
    text: typeof m.text === "string" ? m.text : null,
    html: typeof m.html === "string" ? m.html : null,
    attachments: Array.isArray(m.attachments) ? m.attachments : [],
  };
}

/** Parses a raw message. The caller has checked the size. */
export async function parseMime(raw: Buffer, timeoutMs: number): Promise<MimeResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
      timer.unref?.();
    });
    // Large messages go in as a stream of 64 KiB slices (no copies): mailparser then works
    // through them with backpressure instead of holding intermediate copies of the whole input,
    // which roughly halves its peak memory on a 20 MB message.
    const input = raw.length > CHUNK ? Readable.from(slices(raw), { objectMode: false }) : raw;
    const parsed = simpleParser(input, MAILPARSER_OPTIONS);
    parsed.catch(() => undefined); // a late rejection after a timeout must not become unhandled
    const r = await Promise.race([parsed, timeout]);
    if (r === "timeout") return { ok: false, reason: "parse-timeout", detail: `MIME parse took longer than ${timeoutMs} ms` };
    return { ok: true, view: toView(r) };
  } catch (err) {
    return { ok: false, reason: "unparseable-message", detail: safeMessage(err) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** The header block only (up to the first empty line, at most 256 KiB), for a result about a message that could not be parsed. */
export async function parseHeadersOnly(raw: Buffer): Promise<MessageView | null> {
  const limit = Math.min(raw.length, 256 * 1024);
  const head = raw.subarray(0, limit);
  let end = head.indexOf("\r\n\r\n");
  const lf = head.indexOf("\n\n");
  if (end < 0 || (lf >= 0 && lf < end)) end = lf;
  const block = end >= 0 ? head.subarray(0, end) : head;
  const r = await parseMime(Buffer.concat([block, Buffer.from("\r\n\r\n")]), 2000);
  if (!r.ok) return null;
  return { ...r.view, text: null, html: null, attachments: [] };
}

function safeMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.slice(0, 300);
}
