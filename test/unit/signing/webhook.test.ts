import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature, webhookSignedPayload } from "../../../shared/signing/index.ts";

const secretA = "whsec_aaaaaaaaaaaaaaaaaaaaaaaa";
const secretB = "whsec_bbbbbbbbbbbbbbbbbbbbbbbb";
const now = 1_790_000_000;

describe("webhook signatures", () => {
  it("matches an independently computed HMAC", () => {
    const body = '{"hello":"世界"}';
    const expected = createHmac("sha256", secretA).update(`${now}.${body}`, "utf8").digest("hex");
    expect(signWebhook(body, secretA, { timestamp: now })).toBe(`t=${now},v1=${expected}`);
  });

  it("round-trips any body, string or bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "grapheme" }), fc.uint8Array()), (body) => {
        const header = signWebhook(body, secretA, { timestamp: now });
        expect(verifyWebhookSignature(body, header, { secrets: [secretA], now })).toEqual({ ok: true, timestamp: now, secretIndex: 0 });
      }),
    );
  });

  it("supports rotation: old and new secrets both verify while both are active", () => {
    const oldSig = signWebhook("x", secretA, { timestamp: now });
    const newSig = signWebhook("x", secretB, { timestamp: now });
    expect(verifyWebhookSignature("x", oldSig, { secrets: [secretB, secretA], now })).toMatchObject({ ok: true, secretIndex: 1 });
    expect(verifyWebhookSignature("x", newSig, { secrets: [secretB, secretA], now })).toMatchObject({ ok: true, secretIndex: 0 });
    expect(verifyWebhookSignature("x", oldSig, { secrets: [secretB], now })).toMatchObject({ ok: false, reason: "mismatch" });
    const both = signWebhook("x", [secretA, secretB], { timestamp: now });
    expect(verifyWebhookSignature("x", both, { secrets: [secretB], now })).toMatchObject({ ok: true });
  });

  it("refuses replays outside the 300 s window, in both directions", () => {
    const h = signWebhook("x", secretA, { timestamp: now });
    expect(verifyWebhookSignature("x", h, { secrets: [secretA], now: now + 300 })).toMatchObject({ ok: true });
    expect(verifyWebhookSignature("x", h, { secrets: [secretA], now: now + 301 })).toMatchObject({ ok: false, reason: "expired" });
    expect(verifyWebhookSignature("x", h, { secrets: [secretA], now: now - 301 })).toMatchObject({ ok: false, reason: "expired" });
  });

  it("detects a changed body or timestamp", () => {
    const h = signWebhook("amount=100", secretA, { timestamp: now });
    expect(verifyWebhookSignature("amount=900", h, { secrets: [secretA], now })).toMatchObject({ ok: false, reason: "mismatch" });
    const moved = h.replace(`t=${now}`, `t=${now + 1}`);
    expect(verifyWebhookSignature("amount=100", moved, { secrets: [secretA], now })).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("never throws on hostile headers", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        const r = verifyWebhookSignature("body", header, { secrets: [secretA], now });
        expect(r.ok).toBe(false);
      }),
    );
    expect(verifyWebhookSignature("b", undefined, { secrets: [secretA], now })).toMatchObject({ reason: "missing" });
    expect(verifyWebhookSignature("b", "t=abc,v1=zz", { secrets: [secretA], now })).toMatchObject({ reason: "malformed" });
    expect(verifyWebhookSignature("b", "t=1,t=2,v1=" + "0".repeat(64), { secrets: [secretA], now })).toMatchObject({ reason: "malformed" });
  });

  it("refuses weak secrets up front", () => {
    expect(() => signWebhook("x", "short")).toThrow(/at least 16/);
    expect(() => verifyWebhookSignature("x", "t=1,v1=00", { secrets: [] })).toThrow(/at least one/);
  });
});

describe("webhookSignedPayload", () => {
  it("is the raw body when there is one, else METHOD SP path", () => {
    expect(webhookSignedPayload("post", "/a", '{"x":1}')).toBe('{"x":1}');
    expect(webhookSignedPayload("get", "/realname/applications/1", undefined)).toBe("GET /realname/applications/1");
    expect(webhookSignedPayload("POST", "/x/submit", "")).toBe("POST /x/submit");
    const bytes = new Uint8Array([1, 2]);
    expect(webhookSignedPayload("PUT", "/p", bytes)).toBe(bytes);
  });
  it("a body-less signature for one path does not verify for another", () => {
    const h = signWebhook(webhookSignedPayload("GET", "/r/1", undefined), secretA, { timestamp: now });
    expect(verifyWebhookSignature(webhookSignedPayload("GET", "/r/1", ""), h, { secrets: [secretA], now })).toMatchObject({ ok: true });
    expect(verifyWebhookSignature(webhookSignedPayload("GET", "/r/2", ""), h, { secrets: [secretA], now })).toMatchObject({ ok: false, reason: "mismatch" });
  });
});
