import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature, webhookReplayKey } from "../../../shared/signing/index.ts";

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
        expect(verifyWebhookSignature(body, header, { secrets: [secretA], now })).toEqual({ ok: true, timestamp: now, secretIndex: 0, version: "v1", nonce: "", presented: ["v1"] });
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

describe("v2 signatures (method + path + body)", () => {
  const req = { method: "POST", path: "/realname/applications" };
  it("matches an independently computed HMAC over the documented string", () => {
    const body = '{"a":"世界"}';
    const expected = createHmac("sha256", secretA).update(`v2\n${now}\nnonce-123\nPOST\n/realname/applications\n${body}`, "utf8").digest("hex");
    expect(signWebhook(body, secretA, { timestamp: now, request: req, nonce: "nonce-123" })).toBe(`t=${now},n=nonce-123,v2=${expected}`);
  });

  it("round-trips and is refused for any other method, path, query or body", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "PUT"),
        fc.stringMatching(/^\/[a-z0-9/]{0,20}(\?[a-z=&0-9]{0,10})?$/),
        fc.string(),
        fc.constantFrom("GET", "POST", "PUT"),
        fc.stringMatching(/^\/[a-z0-9/]{0,20}(\?[a-z=&0-9]{0,10})?$/),
        fc.string(),
        (m1, p1, b1, m2, p2, b2) => {
          const header = signWebhook(b1, secretA, { timestamp: now, request: { method: m1, path: p1 } });
          expect(verifyWebhookSignature(b1, header, { secrets: [secretA], now, request: { method: m1.toLowerCase(), path: p1 } })).toMatchObject({ ok: true, version: "v2" });
          const same = m1 === m2 && p1 === p2 && b1 === b2;
          expect(verifyWebhookSignature(b2, header, { secrets: [secretA], now, request: { method: m2, path: p2 } }).ok).toBe(same);
        },
      ),
    );
  });

  it("accepts v1 only where the receiver allows it, and v2 needs its nonce", () => {
    const v1 = signWebhook("body", secretA, { timestamp: now });
    expect(verifyWebhookSignature("body", v1, { secrets: [secretA], now, request: req })).toMatchObject({ ok: false, reason: "version" });
    expect(verifyWebhookSignature("body", v1, { secrets: [secretA], now, request: req, versions: ["v2", "v1"] })).toMatchObject({ ok: true, version: "v1", nonce: "" });
    const v2 = signWebhook("body", secretA, { timestamp: now, request: req, nonce: "abcdefgh" });
    expect(verifyWebhookSignature("body", v2, { secrets: [secretA], now, request: req })).toMatchObject({ ok: true, version: "v2", nonce: "abcdefgh" });
    expect(verifyWebhookSignature("body", v2.replace("n=abcdefgh,", ""), { secrets: [secretA], now, request: req })).toMatchObject({ ok: false, reason: "malformed" });
    expect(verifyWebhookSignature("body", v2.replace("n=abcdefgh", "n=abcdefgX"), { secrets: [secretA], now, request: req })).toMatchObject({ ok: false, reason: "mismatch" });
    // A v2 signature is never read as v1 (different string signed).
    expect(verifyWebhookSignature("body", v2.replace("v2=", "v1="), { secrets: [secretA], now, request: req, versions: ["v1"] })).toMatchObject({ ok: false, reason: "mismatch" });
  });

  it("a fresh nonce per signing; the replay key ignores version and secret but not the nonce", () => {
    const a = signWebhook("b", secretA, { timestamp: now, request: req });
    const b = signWebhook("b", secretA, { timestamp: now, request: req });
    expect(a).not.toBe(b);
    const k = webhookReplayKey(now, "n1nnnnnn", req, "b");
    expect(k).toBe(createHash("sha256").update(`${now}\nn1nnnnnn\nPOST\n/realname/applications\nb`).digest("hex"));
    expect(webhookReplayKey(now, "n2nnnnnn", req, "b")).not.toBe(k);
    expect(webhookReplayKey(now, "n1nnnnnn", { method: "GET", path: req.path }, "b")).not.toBe(k);
  });
});
