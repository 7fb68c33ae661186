import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkBatch, MessageTooLargeError, SQS_BATCH_LIMITS, sqsMessageSize } from "../../../shared/queue/chunk.ts";

describe("SendMessageBatch chunking", () => {
  it("splits by count (10 per batch)", () => {
    const items = Array.from({ length: 23 }, (_, i) => `m${i}`);
    const chunks = chunkBatch(items, (s) => sqsMessageSize(s));
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks.flat()).toEqual(items);
  });

  it("splits by bytes (256 KiB per batch), counting UTF-8 bytes", () => {
    const big = "中".repeat(30_000); // 90,000 bytes
    expect(sqsMessageSize(big)).toBe(90_000);
    const chunks = chunkBatch([big, big, big, big], (s) => sqsMessageSize(s));
    expect(chunks.map((c) => c.length)).toEqual([2, 2]);
  });

  it("counts message attributes (name, type, value)", () => {
    expect(sqsMessageSize("ab", { type: { DataType: "String", StringValue: "xyz" } })).toBe(2 + 4 + 6 + 3);
    expect(sqsMessageSize("", { bin: { DataType: "Binary", BinaryValue: new Uint8Array(5) } })).toBe(3 + 6 + 5);
  });

  it("rejects a single message over the limit, naming its index", () => {
    const e = (() => {
      try {
        chunkBatch(["ok", "x".repeat(SQS_BATCH_LIMITS.maxBytes + 1)], (s) => s.length);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(MessageTooLargeError);
    expect((e as MessageTooLargeError).index).toBe(1);
  });

  it("property: order kept, nothing lost, every chunk within both limits, greedy (no two neighbours could merge)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1000, max: 5000 }),
        (sizes, maxCount, maxBytes) => {
          const items = sizes.map((size, i) => ({ i, size }));
          const chunks = chunkBatch(items, (x) => x.size, { maxCount, maxBytes });
          expect(chunks.flat()).toEqual(items);
          for (const c of chunks) {
            expect(c.length).toBeGreaterThan(0);
            expect(c.length).toBeLessThanOrEqual(maxCount);
            expect(c.reduce((a, x) => a + x.size, 0)).toBeLessThanOrEqual(maxBytes);
          }
          for (let k = 1; k < chunks.length; k++) {
            const prev = chunks[k - 1]!;
            const first = chunks[k]![0]!;
            const fits = prev.length < maxCount && prev.reduce((a, x) => a + x.size, 0) + first.size <= maxBytes;
            expect(fits).toBe(false);
          }
        },
      ),
    );
  });
});
