/**
 * The create flow hashes the request body (X-Request-Id replay check) in slices to avoid a UTF-8
 * copy of a multi-megabyte inline upload. The slices must hash exactly the bytes a one-shot
 * update() hashes, for any text: surrogate pairs across slice boundaries and lone surrogates
 * included. Oracle: node:crypto over the whole string.
 */
import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256OfText } from "../../../shared/realname-io/service.ts";
import { updateText } from "../../../shared/signing/webhook.ts";

const oneShot = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

describe("sha256OfText", () => {
  it("equals a one-shot SHA-256 of the UTF-8 bytes for any text, across slice boundaries", () => {
    const unit = fc.oneof(fc.constantFrom("a", "é", "中", "😀", "\ud83d", "\ude00"), fc.string({ unit: "binary", maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.integer({ min: 65_530, max: 65_540 }), (parts, pad) => {
        // Put the interesting characters around the 64 Ki boundary.
        const s = "x".repeat(pad) + parts.join("") + "y".repeat(pad);
        expect(sha256OfText(s)).toBe(oneShot(s));
      }),
      { numRuns: 60 },
    );
  });
  it("handles the empty string and short strings", () => {
    for (const s of ["", "a", "😀", "\ud83d"]) expect(sha256OfText(s)).toBe(oneShot(s));
  });
});

describe("updateText (webhook MAC and replay key over a large body)", () => {
  it("gives the HMAC of a one-shot update for any text, across slice boundaries", () => {
    const unit = fc.oneof(fc.constantFrom("a", "é", "中", "😀", "\ud83d", "\ude00"), fc.string({ unit: "binary", maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.integer({ min: 65_530, max: 65_540 }), (parts, pad) => {
        const s = "x".repeat(pad) + parts.join("") + "y".repeat(pad);
        const oneShotMac = createHmac("sha256", "k".repeat(32)).update(s).digest("hex");
        expect(updateText(createHmac("sha256", "k".repeat(32)), s).digest("hex")).toBe(oneShotMac);
      }),
      { numRuns: 60 },
    );
  });
});
