/**
 * Known-answer tests for the robot signatures. The expected values are computed here, independently,
 * with node:crypto following each vendor's documented recipe step by step (see channels.ts for the
 * recipe summaries), and checked for the properties a mix-up would break (key vs message, ms vs s,
 * URL-encoding or not).
 */
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ChannelError,
  WEBHOOK_EVENT_HEADER,
  buildCustomerEmail,
  buildDigestEmail,
  buildDingTalkRequest,
  buildFeishuRequest,
  buildWeComRequest,
  buildWebhookRequest,
  dingTalkSignature,
  feishuSignature,
  reminderIdempotencyKey,
  truncateUtf8,
} from "../../../shared/notify/channels.ts";
import { contactEntrySchema } from "../../../shared/notify/contacts.ts";
import type { RenderedMessage } from "../../../shared/notify/templates.ts";
import { WEBHOOK_SIGNATURE_HEADER, verifyWebhookSignature } from "../../../shared/signing/index.ts";
import { sampleReminder } from "./fixtures.ts";

const DING_SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
const FEISHU_SECRET = "nIMtb7r3test0secretXyz";

describe("DingTalk robot (加签)", () => {
  it("signs timestamp(ms)+\\n+secret with the secret as HMAC key, Base64, then URL-encodes", () => {
    const ts = 1_767_225_600_123; // milliseconds
    // Step by step, as documented.
    const stringToSign = `${ts}\n${DING_SECRET}`;
    const mac = createHmac("sha256", DING_SECRET);
    mac.update(stringToSign);
    const base64 = mac.digest().toString("base64");
    expect(dingTalkSignature(DING_SECRET, ts)).toBe(base64);

    const req = buildDingTalkRequest({ url: "https://oapi.dingtalk.com/robot/send?access_token=abc123", secret: DING_SECRET }, { title: "续费提醒", markdown: "### hi" }, { timestampMs: ts });
    const u = new URL(req.url);
    expect(u.origin + u.pathname).toBe("https://oapi.dingtalk.com/robot/send");
    expect(u.searchParams.get("access_token")).toBe("abc123");
    expect(u.searchParams.get("timestamp")).toBe(String(ts));
    expect(u.searchParams.get("sign")).toBe(base64); // decoded back
    // In the raw URL the Base64 characters + / = are percent-encoded.
    const rawSign = req.url.split("sign=")[1] as string;
    expect(rawSign).toBe(encodeURIComponent(base64));
    expect(rawSign).not.toMatch(/[+/=]/);
    expect(JSON.parse(req.body)).toEqual({ msgtype: "markdown", markdown: { title: "续费提醒", text: "### hi" } });
    expect(req.headers["content-type"]).toMatch(/application\/json/);
  });

  it("is not the Feishu arrangement, and depends on every input", () => {
    const ts = 1_767_225_600_000;
    const swapped = createHmac("sha256", `${ts}\n${DING_SECRET}`).update("").digest("base64");
    expect(dingTalkSignature(DING_SECRET, ts)).not.toBe(swapped);
    expect(dingTalkSignature(DING_SECRET, ts)).not.toBe(dingTalkSignature(DING_SECRET, ts + 1));
    expect(dingTalkSignature(DING_SECRET, ts)).not.toBe(dingTalkSignature(`${DING_SECRET}x`, ts));
  });

  it("matches the recipe for any secret and timestamp (UTF-8)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "grapheme" }), fc.integer({ min: 0, max: 4_102_444_800_000 }), (secret, ts) => {
        const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(Buffer.from(`${ts}\n${secret}`, "utf8")).digest("base64");
        expect(dingTalkSignature(secret, ts)).toBe(expected);
      }),
    );
  });

  it("replaces stale timestamp/sign parameters and works without a secret", () => {
    const req = buildDingTalkRequest(
      { url: "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1&sign=old", secret: DING_SECRET },
      { title: "t", markdown: "m" },
      { timestampMs: 5 },
    );
    expect(new URL(req.url).searchParams.getAll("timestamp")).toEqual(["5"]);
    expect(new URL(req.url).searchParams.getAll("sign")).toEqual([dingTalkSignature(DING_SECRET, 5)]);
    const plain = buildDingTalkRequest({ url: "https://oapi.dingtalk.com/robot/send?access_token=t" }, { title: "t", markdown: "m" });
    expect(plain.url).toBe("https://oapi.dingtalk.com/robot/send?access_token=t");
    expect(() => dingTalkSignature(DING_SECRET, -1)).toThrow(ChannelError);
    expect(() => dingTalkSignature("", 1)).toThrow(ChannelError);
  });
});

describe("Feishu bot (签名校验)", () => {
  it("uses timestamp(s)+\\n+secret as the HMAC key over an empty message, Base64, in the body", () => {
    const ts = 1_599_360_473; // seconds
    const key = Buffer.from(`${ts}\n${FEISHU_SECRET}`, "utf8");
    const expected = createHmac("sha256", key).update(Buffer.alloc(0)).digest("base64");
    expect(feishuSignature(FEISHU_SECRET, ts)).toBe(expected);
    // Not DingTalk's arrangement (secret as key, string as message).
    expect(expected).not.toBe(createHmac("sha256", FEISHU_SECRET).update(`${ts}\n${FEISHU_SECRET}`).digest("base64"));

    const req = buildFeishuRequest({ url: "https://open.feishu.cn/open-apis/bot/v2/hook/0000-1111", secret: FEISHU_SECRET }, { text: "续费提醒" }, { timestampSec: ts });
    expect(req.url).toBe("https://open.feishu.cn/open-apis/bot/v2/hook/0000-1111");
    const body = JSON.parse(req.body);
    expect(body).toEqual({ timestamp: String(ts), sign: expected, msg_type: "text", content: { text: "续费提醒" } });
    expect(typeof body.timestamp).toBe("string");
  });

  it("matches the recipe for any secret and timestamp; omits timestamp/sign without a secret", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 4_102_444_800 }), (secret, ts) => {
        const expected = createHmac("sha256", `${ts}\n${secret}`).update("").digest("base64");
        expect(feishuSignature(secret, ts)).toBe(expected);
      }),
    );
    expect(JSON.parse(buildFeishuRequest({ url: "https://open.feishu.cn/open-apis/bot/v2/hook/x" }, { text: "t" }).body)).toEqual({ msg_type: "text", content: { text: "t" } });
  });
});

describe("WeCom robot", () => {
  it("sends markdown to the keyed URL without a signature, capped at 4096 UTF-8 bytes", () => {
    const url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-0000";
    const req = buildWeComRequest({ url }, { markdown: "**到期**" });
    expect(req.url).toBe(url);
    expect(JSON.parse(req.body)).toEqual({ msgtype: "markdown", markdown: { content: "**到期**" } });
    expect(Object.keys(req.headers)).toEqual(["content-type"]);
    const long = "续".repeat(3000); // 9000 bytes
    const content = JSON.parse(buildWeComRequest({ url }, { markdown: long }).body).markdown.content as string;
    expect(Buffer.byteLength(content, "utf8")).toBeLessThanOrEqual(4096);
    expect(content.endsWith("…")).toBe(true);
    expect(content).not.toContain("\uFFFD");
    expect(() => buildWeComRequest({ url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" }, { markdown: "x" })).toThrow(/no key/);
  });

  it("truncateUtf8 never splits a character and respects the budget", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.integer({ min: 4, max: 300 }), (s, max) => {
        const out = truncateUtf8(s, max);
        if (Buffer.byteLength(s, "utf8") <= max) return void expect(out).toBe(s);
        expect(Buffer.byteLength(out, "utf8")).toBeLessThanOrEqual(max);
        expect(out.endsWith("…")).toBe(true);
        expect(s.startsWith(out.slice(0, -1))).toBe(true);
        expect(out).not.toContain("\uFFFD");
      }),
    );
  });
});

describe("generic webhook", () => {
  it("is signed with signWebhook over the exact body and verifies", () => {
    const secret = "whsec_0123456789abcdef";
    const r = sampleReminder();
    const req = buildWebhookRequest({ url: "https://hooks.example.cn/renewals", secrets: secret }, { customerId: r.customerId, reminders: [r] }, { timestampSec: 1_790_000_000 });
    const expectedSig = createHmac("sha256", secret).update(`1790000000.${req.body}`).digest("hex");
    expect(req.headers[WEBHOOK_SIGNATURE_HEADER]).toBe(`t=1790000000,v1=${expectedSig}`);
    expect(verifyWebhookSignature(req.body, req.headers[WEBHOOK_SIGNATURE_HEADER], { secrets: [secret], now: 1_790_000_000 })).toMatchObject({ ok: true });
    expect(req.headers[WEBHOOK_EVENT_HEADER]).toBe("renewal.reminders");
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ type: "renewal.reminders", customer_id: r.customerId });
    expect(body.reminders[0].keyString).toBe(r.keyString);
    const idem = createHash("sha256").update(`${r.keyString}\n`).digest("hex");
    expect(req.headers["Idempotency-Key"]).toBe(idem);
    // Order of reminders does not change the idempotency key.
    const r2 = { ...r, keyString: "other" };
    expect(reminderIdempotencyKey([r, r2])).toBe(reminderIdempotencyKey([r2, r]));
  });
});

describe("email", () => {
  const rendered: RenderedMessage = { subject: "s", text: "t", html: "<p>h</p>", markdown: "m" };
  it("goes to every contact once and copies the account manager", () => {
    const entry = contactEntrySchema.parse({
      customer_id: "c1",
      contacts: [
        { name: "A", email: "a@example.cn" },
        { name: "A again", email: "A@example.cn" },
        { name: "B", email: "b@example.cn" },
      ],
      account_manager: { name: "M", email: "m@partner.example" },
    });
    expect(buildCustomerEmail(entry, rendered)).toEqual({ to: ["a@example.cn", "b@example.cn"], cc: ["m@partner.example"], subject: "s", text: "t", html: "<p>h</p>" });
    expect(buildCustomerEmail(entry, rendered, { ccAccountManager: false }).cc).toEqual([]);
    expect(buildDigestEmail({ name: "M", email: "m@partner.example" }, rendered).to).toEqual(["m@partner.example"]);
    const noContacts = contactEntrySchema.parse({ customer_id: "c2", channels: [{ type: "wecom", url_ref: "env:W" }] });
    expect(() => buildCustomerEmail(noContacts, rendered)).toThrow(/no contact email/);
  });
});
