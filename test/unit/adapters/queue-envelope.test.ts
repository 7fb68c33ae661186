import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineMessage, EnvelopeError, parseEnvelope } from "../../../shared/queue/envelope.ts";

const Due = defineMessage("renewal.reminder-due", 1, z.object({ customerId: z.string().min(1), days: z.number().int() }));

describe("message envelope", () => {
  it("creates a valid envelope with defaults and round-trips through JSON", () => {
    const e = Due.create({ customerId: "c1", days: 7 });
    expect(e.type).toBe("renewal.reminder-due");
    expect(e.version).toBe(1);
    expect(e.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(e.occurredAt))).toBe(false);
    expect(Due.parse(JSON.stringify(e))).toEqual(e);
  });

  it("keeps a caller-chosen id and time", () => {
    const e = Due.create({ customerId: "c1", days: 1 }, { id: "reminder:c1:T-1", occurredAt: new Date("2026-01-02T03:04:05Z") });
    expect(e.id).toBe("reminder:c1:T-1");
    expect(e.occurredAt).toBe("2026-01-02T03:04:05.000Z");
  });

  it("rejects other types, versions, bad data and non-JSON with a message naming the field", () => {
    const good = Due.create({ customerId: "c1", days: 1 });
    expect(() => Due.parse({ ...good, type: "other.type" })).toThrow(EnvelopeError);
    expect(() => Due.parse({ ...good, version: 2 })).toThrow(/version/);
    expect(() => Due.parse({ ...good, data: { customerId: "", days: 1 } })).toThrow(/data\.customerId/);
    expect(() => Due.parse({ ...good, occurredAt: "yesterday" })).toThrow(/occurredAt/);
    expect(() => Due.parse("{not json")).toThrow(/not JSON/);
    expect(() => Due.create({ customerId: "c", days: 1.5 })).toThrow(EnvelopeError);
  });

  it("accepts exactly the ids SQS accepts as deduplication ids (1–128 printable ASCII)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 140 }), (id) => {
        const ok = id.length >= 1 && id.length <= 128 && /^[\x21-\x7e]+$/.test(id);
        const attempt = () => Due.create({ customerId: "c", days: 0 }, { id });
        if (ok) expect(attempt().id).toBe(id);
        else expect(attempt).toThrow(EnvelopeError);
      }),
    );
  });

  it("validates any data payload on both ends (property)", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer(), (customerId, days) => {
        const e = Due.create({ customerId, days });
        expect(Due.parse(JSON.stringify(e)).data).toEqual({ customerId, days });
        expect(parseEnvelope(JSON.parse(JSON.stringify(e)))).toEqual(e);
      }),
    );
  });

  it("refuses malformed type names at definition time", () => {
    expect(() => defineMessage("Bad Type", 1, z.object({}))).toThrow();
  });
});
