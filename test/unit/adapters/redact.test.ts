import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isSensitiveKey, redact, REDACTED, redactingReplacer, redactString } from "../../../shared/log/redact.ts";

describe("redaction", () => {
  it("replaces sensitive keys at any depth and keeps the rest", () => {
    const input = { customer: "c1", HWC_SK: "sk-value", nested: { hwcAk: "ak", list: [{ webhookSecret: "w", ok: 1 }] }, headers: { Authorization: "x", "x-security-token": "t" } };
    expect(redact(input)).toEqual({
      customer: "c1",
      HWC_SK: REDACTED,
      nested: { hwcAk: REDACTED, list: [{ webhookSecret: REDACTED, ok: 1 }] },
      headers: { Authorization: REDACTED, "x-security-token": REDACTED },
    });
    expect(input.HWC_SK).toBe("sk-value"); // not mutated
  });

  it("recognises typical secret and PII key spellings but not ordinary words", () => {
    for (const k of ["sk", "SK", "ak", "HWC_AK", "obs_sk", "password", "accessKeyId", "secretAccessKey", "idNumber", "id_card_no", "cookie", "mobile", "signature"]) {
      expect(isSensitiveKey(k), k).toBe(true);
    }
    for (const k of ["task", "disk", "customerId", "messageId", "type", "count", "bucket", "key", "status"]) {
      expect(isSensitiveKey(k), k).toBe(false);
    }
  });

  it("masks Authorization values and 18-digit ID numbers inside free text", () => {
    const s = redactString("header SDK-HMAC-SHA256 Access=AKIDX, SignedHeaders=host, Signature=abc123 id 11010519491231002X end");
    expect(s).not.toContain("AKIDX");
    expect(s).not.toContain("abc123");
    expect(s).not.toContain("11010519491231002X");
    expect(s).toContain("end");
  });

  it("is used as a JSON replacer: no secret survives serialisation (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }).map((s) => `zq-secret-${s}`), (secret) => {
        const obj = { a: { password: secret }, b: [{ sk: secret }], error: Object.assign(new Error("boom"), { token: secret }) };
        const json = JSON.stringify(redact(obj), redactingReplacer);
        expect(json.includes(JSON.stringify(secret).slice(1, -1))).toBe(false);
      }),
    );
  });

  it("handles cycles and buffers", () => {
    const a: Record<string, unknown> = { name: "x" };
    a["self"] = a;
    expect(redact(a)).toEqual({ name: "x", self: "[Circular]" });
    expect(redact({ file: Buffer.from("secret-contents") })).toEqual({ file: "[15 bytes]" });
    expect(JSON.stringify({ file: Buffer.from("abc") }, redactingReplacer)).toBe('{"file":"[3 bytes]"}');
  });
});

describe("createLogger", () => {
  it("never prints secrets, even nested in attributes or errors", async () => {
    const { createLogger } = await import("../../../shared/log/index.ts");
    const lines: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    const originalErr = process.stderr.write.bind(process.stderr);
    const capture = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      const logger = createLogger({ serviceName: "t", level: "INFO", env: {} });
      logger.info("calling BSS", { request: { headers: { Authorization: "SDK-HMAC-SHA256 Access=AKIDSECRET1, SignedHeaders=host, Signature=deadbeefcafe" }, hwcSk: "SKSECRET2" } });
      logger.error("failed", { error: Object.assign(new Error("id 11010519491231002X rejected"), { token: "TOKSECRET3" }) });
    } finally {
      process.stdout.write = original;
      process.stderr.write = originalErr;
    }
    const out = lines.join("");
    expect(out).toContain("calling BSS");
    expect(out).toContain('"message":"id [REDACTED] rejected"');
    for (const secret of ["AKIDSECRET1", "deadbeefcafe", "SKSECRET2", "TOKSECRET3", "11010519491231002X"]) expect(out).not.toContain(secret);
  });
});
