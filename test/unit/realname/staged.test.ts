/**
 * checkStagedUpload judges an upload from its size, first 2 KiB and last 2 KiB (what HEAD + two
 * ranged GETs give); it must reach the same verdict as reading the whole file through the inspector.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SNIFF_BYTES, MAX_FILE_BYTES, inspectStream, sniffFileType } from "../../../shared/realname/files.ts";
import { checkStagedUpload, checkUploadedFile } from "../../../shared/realname/intake.ts";
import type { UploadSlotRequest } from "../../../shared/realname/application.ts";
import { TAIL_BYTES } from "../../../shared/realname/structure.ts";
import { SAMPLES } from "./oracle.ts";

const HEADS: Record<string, number[]> = {
  jpeg: [0xff, 0xd8, 0xff, 0xe0],
  png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
  gif: [...Buffer.from("GIF89a")],
  pdf: [...Buffer.from("%PDF-1.4\n")],
  html: [...Buffer.from("<!DOCTYPE html><html>")],
  zip: [0x50, 0x4b, 0x03, 0x04],
  exe: [0x4d, 0x5a],
  none: [],
};

const junkArb = fc
  .record({
    head: fc.constantFrom(...Object.keys(HEADS)),
    size: fc.integer({ min: 0, max: 3 * SNIFF_BYTES }),
    fill: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ head, size, fill }) => {
    const b = Buffer.alloc(size, fill);
    Buffer.from(HEADS[head]!).copy(b, 0);
    return b;
  });
/** Well-formed files of every size class (shorter than, around and beyond 2 KiB + 2 KiB), some with bytes appended or cut. */
const wellFormedArb = fc
  .record({
    type: fc.constantFrom(...(Object.keys(SAMPLES) as (keyof typeof SAMPLES)[])),
    pad: fc.integer({ min: 0, max: 3 * SNIFF_BYTES }),
    change: fc.oneof(fc.constant(0), fc.integer({ min: -20, max: 20 })),
  })
  .map(({ type, pad, change }) => {
    const b = SAMPLES[type](pad);
    return change >= 0 ? Buffer.concat([b, Buffer.alloc(change, 0x4d)]) : b.subarray(0, Math.max(0, b.length + change));
  });
const fileArb = fc.oneof(junkArb, wellFormedArb);

const slotArb = (size: number) =>
  fc.record(
    {
      role: fc.constant("passport_bio_page" as const),
      size: fc.oneof(fc.constant(Math.max(1, size)), fc.integer({ min: 1, max: 4 * SNIFF_BYTES })),
      content_type: fc.constantFrom("image/jpeg", "image/png", "application/pdf", "text/html"),
      file_name: fc.constantFrom("scan.jpg", "scan.png", "scan.pdf", "page.html", "Zhang.San"),
    },
    { requiredKeys: ["role", "size"] },
  ) as fc.Arbitrary<UploadSlotRequest>;

describe("checkStagedUpload", () => {
  it("gives the same verdict and message from (first 2 KiB, size) as the inspector over the whole file", async () => {
    await fc.assert(
      fc.asyncProperty(
        fileArb.chain((file) => fc.tuple(fc.constant(file), slotArb(file.length))),
        async ([file, slot]) => {
          const whole = checkUploadedFile(slot, await inspectStream([file], { ...(slot.content_type ? { declaredContentType: slot.content_type } : {}), ...(slot.file_name ? { fileName: slot.file_name } : {}) }));
          const staged = checkStagedUpload(slot, { prefix: file.subarray(0, SNIFF_BYTES), tail: file.subarray(Math.max(0, file.length - TAIL_BYTES)), size: file.length });
          expect(staged).toEqual(whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("rejects an empty object, an object over the limit (by size alone), and a size other than the slot's", () => {
    const slot: UploadSlotRequest = { role: "passport_bio_page", size: 5000 };
    expect(checkStagedUpload(slot, { prefix: new Uint8Array(0), size: 0 })).toMatchObject({ ok: false, reason: "empty" });
    expect(checkStagedUpload(slot, { prefix: new Uint8Array(0), size: MAX_FILE_BYTES + 1 })).toMatchObject({ ok: false, reason: "too_large" });
    const jpeg = SAMPLES.jpeg(5000 - SAMPLES.jpeg().length - 4);
    expect(jpeg.length).toBe(5000);
    const parts = { prefix: jpeg.subarray(0, SNIFF_BYTES), tail: jpeg.subarray(-TAIL_BYTES) };
    expect(checkStagedUpload(slot, { ...parts, size: 5000 })).toMatchObject({ ok: true, type: "jpeg" });
    expect(checkStagedUpload({ ...slot, size: 4999 }, { ...parts, size: 5000 })).toMatchObject({ ok: false, reason: "size_mismatch" });
    expect(checkStagedUpload({ ...slot, file_name: "x.jpg" }, { prefix: Buffer.from("<html><body>hi</body></html>"), size: 5000 })).toMatchObject({
      ok: false,
      reason: "disallowed_type",
    });
  });
});

describe("sniffFileType on a file shorter than the header it starts", () => {
  it("a 4-byte ZIP signature is a ZIP archive, without reading past the prefix (no RangeError, no bytes of a shared pool)", () => {
    expect(sniffFileType(new Uint8Array([0x50, 0x4b, 0x03, 0x04]))).toMatchObject({ allowed: false, kind: "zip" });
    // A small Buffer.from() lives in Node's shared pool: bytes after it belong to something else.
    const pooled = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    expect(sniffFileType(pooled)).toMatchObject({ allowed: false, kind: "zip" });
  });
});
