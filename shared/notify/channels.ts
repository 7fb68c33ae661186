/**
 * Request builders for the delivery channels — pure: they return the exact HTTP request (method, URL,
 * headers, body) to send; the notify function's adapter sends it. Secrets and robot URLs arrive here
 * already resolved from their references (contacts.ts); nothing here logs them.
 *
 * Signing rules, as we read the vendors' documentation (checked with the search tool; summarised in our
 * own words):
 *
 * DingTalk custom robot, "加签" security setting (open.dingtalk.com, custom robot security settings):
 *   - timestamp = current time in MILLISECONDS; it must be within one hour of DingTalk's clock;
 *   - string to sign = timestamp + "\n" + secret (the secret is the "SEC…" string shown in the robot's
 *     security settings), UTF-8;
 *   - signature = Base64(HMAC-SHA256(key = secret, message = string to sign)), then URL-encoded;
 *   - both go on the webhook URL as query parameters: …/robot/send?access_token=…&timestamp=…&sign=….
 *
 * Feishu/Lark custom bot, "签名校验" (open.feishu.cn, custom bot guide):
 *   - timestamp = current time in SECONDS, within one hour of Feishu's clock;
 *   - timestamp + "\n" + secret is used as the HMAC-SHA256 KEY and the message is EMPTY (this is the
 *     opposite arrangement from DingTalk and the usual mistake — Feishu answers code 19021 "sign match
 *     fail");
 *   - signature = Base64 of the digest, NOT URL-encoded; `timestamp` (as a string) and `sign` are
 *     top-level fields of the JSON body next to `msg_type` / `content`.
 *
 * WeCom (企业微信) group robot (developer.work.weixin.qq.com, 群机器人配置说明): no signature — the
 *   `key` query parameter of the webhook URL is the credential. Text content is limited to 2048 bytes
 *   of UTF-8, Markdown content to 4096 bytes (the Markdown limit is from our memory of the same page;
 *   the copy we could search was cut off there — unconfirmed). WeCom's classic `markdown` type has no
 *   lists, so our Markdown uses paragraphs and quotes only.
 *
 * Generic HTTPS webhook: JSON body signed with our own `signWebhook` (shared/signing/webhook.ts):
 *   header `X-Partner-Ops-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t + "." + body)>`.
 */
import { createHash, createHmac } from "node:crypto";
import { WEBHOOK_SIGNATURE_HEADER, signWebhook } from "../signing/index.ts";
import type { DueReminder } from "../renewal/decision.ts";
import type { AccountManager, ContactEntry } from "./contacts.ts";
import type { RenderedMessage } from "./templates.ts";

export interface OutboundRequest {
  method: "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
}

export class ChannelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChannelError";
  }
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" } as const;

function checkTimestamp(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ChannelError(`${what} must be a non-negative integer`);
  return value;
}

function checkSecret(secret: string, channel: string): void {
  if (typeof secret !== "string" || secret.length === 0) throw new ChannelError(`${channel}: the signing secret is empty`);
}

/** Cuts `s` to at most `maxBytes` of UTF-8 without splitting a character, ending with `suffix` if cut. */
export function truncateUtf8(s: string, maxBytes: number, suffix = "…"): string {
  if (Buffer.byteLength(s, "utf8") <= maxBytes) return s;
  const budget = maxBytes - Buffer.byteLength(suffix, "utf8");
  if (budget < 0) throw new RangeError("suffix is longer than the byte budget");
  let used = 0;
  let out = "";
  for (const ch of s) {
    const n = Buffer.byteLength(ch, "utf8");
    if (used + n > budget) break;
    used += n;
    out += ch;
  }
  return out + suffix;
}

// ---------------------------------------------------------------------------------------------
// DingTalk

/** Base64(HMAC-SHA256(secret, `${timestampMs}\n${secret}`)) — not yet URL-encoded. */
export function dingTalkSignature(secret: string, timestampMs: number): string {
  checkSecret(secret, "dingtalk");
  return createHmac("sha256", Buffer.from(secret, "utf8")).update(`${checkTimestamp(timestampMs, "timestampMs")}\n${secret}`, "utf8").digest("base64");
}

export interface DingTalkTarget {
  /** Robot webhook URL with its access_token. */
  url: string;
  /** The "SEC…" secret when the robot uses 加签; omit for keyword/IP-allow-list robots. */
  secret?: string | undefined;
}

export function buildDingTalkRequest(
  target: DingTalkTarget,
  message: { title: string; markdown: string },
  options: { timestampMs?: number } = {},
): OutboundRequest {
  const u = new URL(target.url);
  u.searchParams.delete("timestamp");
  u.searchParams.delete("sign");
  let url = u.toString();
  if (target.secret !== undefined) {
    const ts = options.timestampMs ?? Date.now();
    const sign = dingTalkSignature(target.secret, ts);
    url += `${u.search ? "&" : "?"}timestamp=${ts}&sign=${encodeURIComponent(sign)}`;
  }
  const body = JSON.stringify({ msgtype: "markdown", markdown: { title: message.title, text: message.markdown } });
  return { method: "POST", url, headers: { ...JSON_HEADERS }, body };
}

// ---------------------------------------------------------------------------------------------
// Feishu / Lark

/** Base64(HMAC-SHA256(key = `${timestampSec}\n${secret}`, message = "")). */
export function feishuSignature(secret: string, timestampSec: number): string {
  checkSecret(secret, "feishu");
  return createHmac("sha256", Buffer.from(`${checkTimestamp(timestampSec, "timestampSec")}\n${secret}`, "utf8")).update(Buffer.alloc(0)).digest("base64");
}

export interface FeishuTarget {
  url: string;
  secret?: string | undefined;
}

export function buildFeishuRequest(target: FeishuTarget, message: { text: string }, options: { timestampSec?: number } = {}): OutboundRequest {
  const payload: Record<string, unknown> = {};
  if (target.secret !== undefined) {
    const ts = options.timestampSec ?? Math.floor(Date.now() / 1000);
    payload.timestamp = String(ts);
    payload.sign = feishuSignature(target.secret, ts);
  }
  payload.msg_type = "text";
  payload.content = { text: message.text };
  return { method: "POST", url: new URL(target.url).toString(), headers: { ...JSON_HEADERS }, body: JSON.stringify(payload) };
}

// ---------------------------------------------------------------------------------------------
// WeCom

export const WECOM_MARKDOWN_MAX_BYTES = 4096;
export const WECOM_TEXT_MAX_BYTES = 2048;

export function buildWeComRequest(target: { url: string }, message: { markdown: string }): OutboundRequest {
  const u = new URL(target.url);
  if (!u.searchParams.get("key") && u.hostname === "qyapi.weixin.qq.com") throw new ChannelError("wecom: the robot URL has no key parameter");
  const content = truncateUtf8(message.markdown, WECOM_MARKDOWN_MAX_BYTES, "\n\n…");
  return { method: "POST", url: u.toString(), headers: { ...JSON_HEADERS }, body: JSON.stringify({ msgtype: "markdown", markdown: { content } }) };
}

// ---------------------------------------------------------------------------------------------
// Generic webhook

export const WEBHOOK_EVENT_HEADER = "X-Partner-Ops-Event";
export const WEBHOOK_EVENT_TYPE = "renewal.reminders";

/** Same reminders → same key, so a receiver can drop redeliveries. */
export function reminderIdempotencyKey(reminders: readonly Pick<DueReminder, "keyString">[]): string {
  const h = createHash("sha256");
  for (const k of reminders.map((r) => r.keyString).sort()) h.update(k).update("\n");
  return h.digest("hex");
}

export function buildWebhookRequest(
  target: { url: string; secrets: string | readonly string[] },
  payload: { customerId: string; reminders: readonly DueReminder[] },
  options: { timestampSec?: number } = {},
): OutboundRequest {
  const body = JSON.stringify({ type: WEBHOOK_EVENT_TYPE, customer_id: payload.customerId, reminders: payload.reminders });
  const signature = signWebhook(body, target.secrets, options.timestampSec === undefined ? {} : { timestamp: options.timestampSec });
  return {
    method: "POST",
    url: new URL(target.url).toString(),
    headers: {
      ...JSON_HEADERS,
      [WEBHOOK_SIGNATURE_HEADER]: signature,
      [WEBHOOK_EVENT_HEADER]: WEBHOOK_EVENT_TYPE,
      "Idempotency-Key": reminderIdempotencyKey(payload.reminders),
    },
    body,
  };
}

// ---------------------------------------------------------------------------------------------
// Email (the SES v2 / SMTP adapter adds the sender)

export interface EmailMessage {
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
}

const uniqueEmails = (xs: readonly string[]) => {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = x.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
};

/** The customer's reminder email: to every contact, cc the account manager (default on). */
export function buildCustomerEmail(entry: ContactEntry, rendered: RenderedMessage, options: { ccAccountManager?: boolean } = {}): EmailMessage {
  const to = uniqueEmails(entry.contacts.map((c) => c.email));
  if (to.length === 0) throw new ChannelError(`customer ${entry.customer_id}: no contact email address`);
  const cc = options.ccAccountManager !== false && entry.account_manager ? uniqueEmails([entry.account_manager.email]).filter((m) => !to.some((t) => t.toLowerCase() === m.toLowerCase())) : [];
  return { to, cc, subject: rendered.subject, text: rendered.text, html: rendered.html };
}

export function buildDigestEmail(manager: AccountManager, rendered: RenderedMessage): EmailMessage {
  return { to: [manager.email], cc: [], subject: rendered.subject, text: rendered.text, html: rendered.html };
}
