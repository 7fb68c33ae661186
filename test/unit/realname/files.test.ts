import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  FILE_TYPES,
  FileRejectedError,
  MAX_FILE_BYTES,
  SNIFF_BYTES,
  UploadInspector,
  checkFile,
  fileTypeForContentType,
  inspectChunks,
  inspectStream,
  inspectingTransform,
  sniffFileType,
} from "../../../shared/realname/files.ts";
import { SAMPLES } from "./oracle.ts";

const b = (s: string) => Buffer.from(s, "latin1");
const zipWithFirstEntry = (name: string, extra = "") => {
  const h = Buffer.alloc(30);
  h.write("PK\x03\x04", 0, "latin1");
  h.writeUInt16LE(name.length, 26);
  return Buffer.concat([h, b(name), b(extra)]);
};

describe("sniffFileType: allowed types", () => {
  for (const type of FILE_TYPES) {
    it(`recognises a ${type} sample`, () => {
      expect(sniffFileType(SAMPLES[type]())).toMatchObject({ allowed: true, type });
    });
  }
  it("GIF87a too", () => expect(sniffFileType(b("GIF87a\x01\x00\x01\x00"))).toMatchObject({ allowed: true, type: "gif" }));
});

describe("sniffFileType: disguises get a precise kind", () => {
  const cases: [string, Buffer, string][] = [
    ["empty", Buffer.alloc(0), "empty"],
    ["HTML", b("<!DOCTYPE html><html><body>hi</body></html>"), "html"],
    ["HTML with BOM and leading blank lines", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b("\r\n\n  <HTML><script>alert(1)</script>")]), "html"],
    ["HTML comment first", b("<!-- x --><html>"), "html"],
    ["SVG with XML prolog", b('<?xml version="1.0"?>\n<!-- c -->\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'), "svg"],
    ["bare SVG", b("<svg width='1'/>"), "svg"],
    ["XML", b('<?xml version="1.0"?><root/>'), "xml"],
    ["PHP", b("<?php echo 1; ?>"), "script"],
    ["shell script", b("#!/bin/sh\nrm -rf /"), "script"],
    ["DOCX", zipWithFirstEntry("[Content_Types].xml"), "office_openxml"],
    ["XLSX by folder", zipWithFirstEntry("xl/workbook.xml"), "office_openxml"],
    ["ODT", zipWithFirstEntry("mimetype", "application/vnd.oasis.opendocument.text"), "opendocument"],
    ["ZIP", zipWithFirstEntry("photo.jpg"), "zip"],
    ["empty ZIP", b("PK\x05\x06" + "\0".repeat(18)), "zip"],
    ["legacy Office", Buffer.from("d0cf11e0a1b11ae1000000000000", "hex"), "office_legacy"],
    ["EXE", b("MZ\x90\x00\x03\x00\x00\x00"), "windows_executable"],
    ["ELF", b("\x7fELF\x02\x01\x01\x00"), "elf_executable"],
    ["Mach-O", Buffer.from("cffaedfe07000001", "hex"), "macho_executable"],
    ["WebP", b("RIFF\x24\x00\x00\x00WEBPVP8 "), "webp"],
    ["WAV", b("RIFF\x24\x00\x00\x00WAVEfmt "), "riff"],
    ["TIFF little-endian", b("II*\x00\x08\x00\x00\x00"), "tiff"],
    ["TIFF big-endian", b("MM\x00*\x00\x00\x00\x08"), "tiff"],
    ["HEIC", b("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), "heif"],
    ["AVIF", b("\x00\x00\x00\x1cftypavif\x00\x00\x00\x00"), "avif"],
    ["MP4", b("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00"), "iso_media"],
    ["gzip", Buffer.from("1f8b0800000000000003", "hex"), "gzip"],
    ["RAR", b("Rar!\x1a\x07\x01\x00"), "rar"],
    ["7z", Buffer.from("377abcaf271c0004", "hex"), "7z"],
    ["RTF", b("{\\rtf1\\ansi hello}"), "rtf"],
    ["PostScript", b("%!PS-Adobe-3.0\n"), "postscript"],
    ["Photoshop", b("8BPS\x00\x01\x00\x00"), "photoshop"],
    ["ICO", Buffer.from("0000010001001010", "hex"), "icon"],
    ["plain text", b("just some notes about the customer"), "text"],
    ["UTF-8 text cut mid-character", Buffer.from("营业执照扫描件", "utf8").subarray(0, 8), "text"],
    ["text that starts with BM", b("BMW owners club membership list ........"), "text"],
    ["text that starts with %PDF- but no version", b("%PDF-draft notes"), "text"],
    ["UTF-16 text", Buffer.from("\ufeffhello", "utf16le"), "text"],
    ["short binary", Buffer.from([0x00, 0x01, 0x02]), "truncated"],
    ["truncated BMP", b("BM\x00\x00"), "truncated"],
    ["random binary", Buffer.from("00ff00ff10203040506070809aabbccd", "hex"), "unknown"],
    ["BMP signature with a bogus header", Buffer.concat([b("BM"), Buffer.alloc(12, 0xff), Buffer.alloc(8, 0x07)]), "unknown"],
  ];
  for (const [name, bytes, kind] of cases) {
    it(name, () => {
      const r = sniffFileType(bytes);
      expect(r.allowed).toBe(false);
      if (!r.allowed) expect(r.kind).toBe(kind);
    });
  }

  it("only ever allows bytes that start with one of the five signatures (fuzz)", () => {
    const sigs = [[0xff, 0xd8, 0xff], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [...b("GIF87a")], [...b("GIF89a")], [...b("BM")], [...b("%PDF-")]];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = sniffFileType(bytes);
        if (r.allowed) expect(sigs.some((s) => s.every((x, i) => bytes[i] === x))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it("an allowed signature followed by anything stays that type (JPEG, PNG, GIF, PDF)", () => {
    fc.assert(
      fc.property(fc.constantFrom("jpeg", "png", "gif", "pdf" as const), fc.uint8Array({ maxLength: 3000 }), (type, tail) => {
        const head = SAMPLES[type]().subarray(0, 8);
        expect(sniffFileType(Buffer.concat([head, tail]))).toMatchObject({ allowed: true, type });
      }),
      { numRuns: 500 },
    );
  });

  it("looks only at the first SNIFF_BYTES", () => {
    const html = Buffer.concat([b(" ".repeat(SNIFF_BYTES)), b("<html>")]);
    expect(sniffFileType(html)).toMatchObject({ allowed: false, kind: "text" });
  });
});

describe("checkFile", () => {
  const png = SAMPLES.png();
  const jpeg = SAMPLES.jpeg();

  it("accepts an allowed file and gives the storage type and extension", () => {
    expect(checkFile({ prefix: jpeg, size: jpeg.length, declaredContentType: "image/jpg", fileName: "SCAN.JPEG" })).toEqual({
      ok: true,
      type: "jpeg",
      mime: "image/jpeg",
      ext: "jpg",
      size: jpeg.length,
      warnings: [],
    });
    const pdf = SAMPLES.pdf();
    expect(checkFile({ prefix: pdf, size: pdf.length, declaredContentType: "application/pdf; charset=binary" })).toMatchObject({ ok: true, ext: "pdf" });
  });

  it("empty and too large (the limit is stated in the message)", () => {
    expect(checkFile({ prefix: Buffer.alloc(0), size: 0 })).toMatchObject({ ok: false, reason: "empty" });
    const r = checkFile({ prefix: jpeg, size: MAX_FILE_BYTES + 1 });
    expect(r).toMatchObject({ ok: false, reason: "too_large" });
    if (!r.ok) expect(r.message).toContain("10,000,000 bytes");
    // A file of exactly the limit: judged from its first bytes and its last 2 KiB (ends with EOI).
    expect(checkFile({ prefix: jpeg, tail: Buffer.concat([Buffer.alloc(2046, 0x61), jpeg.subarray(-2)]), size: MAX_FILE_BYTES }).ok).toBe(true);
    expect(checkFile({ prefix: jpeg, size: 2000, maxBytes: 1000 })).toMatchObject({ ok: false, reason: "too_large" });
  });

  it("HTML named .jpg and declared image/jpeg: rejected as HTML, naming the claims but not the file name", () => {
    const html = b("<html><body>phish</body></html>");
    const r = checkFile({ prefix: html, size: html.length, declaredContentType: "image/jpeg", fileName: "张三身份证.jpg" });
    expect(r).toMatchObject({ ok: false, reason: "disallowed_type", detected: "html" });
    if (!r.ok) {
      expect(r.message).toContain("HTML document");
      expect(r.message).toContain("declared as image/jpeg");
      expect(r.message).toContain("named *.jpg");
      expect(r.message).not.toContain("张三");
      expect(r.message).toContain("JPEG, PNG, GIF, BMP or PDF");
    }
  });

  it("a real image whose declared type or extension disagrees is a mismatch (or a warning when asked)", () => {
    expect(checkFile({ prefix: png, size: png.length, declaredContentType: "image/jpeg" })).toMatchObject({
      ok: false,
      reason: "type_mismatch",
      message: "the file is declared as image/jpeg but its content is PNG",
    });
    expect(checkFile({ prefix: png, size: png.length, fileName: "a.jpg" })).toMatchObject({ ok: false, reason: "type_mismatch" });
    expect(checkFile({ prefix: png, size: png.length, fileName: "a.exe" })).toMatchObject({ ok: false, reason: "type_mismatch" });
    expect(checkFile({ prefix: png, size: png.length, declaredContentType: "text/html" })).toMatchObject({ ok: false, reason: "type_mismatch" });
    const warned = checkFile({ prefix: png, size: png.length, fileName: "a.jpg", onMismatch: "warn" });
    expect(warned).toMatchObject({ ok: true, type: "png", warnings: ["the file is named *.jpg but its content is PNG"] });
  });

  it("never echoes a malformed declared type (it could be any user text)", () => {
    const r = checkFile({ prefix: png, size: png.length, declaredContentType: "张三 110105194912310021" });
    expect(r).toMatchObject({ ok: false, reason: "type_mismatch", message: "the file is declared as an invalid content type but its content is PNG" });
  });

  it("ignores name parts that are not file-type extensions", () => {
    expect(checkFile({ prefix: png, size: png.length, fileName: "Zhang.San" }).ok).toBe(true);
    expect(checkFile({ prefix: png, size: png.length, fileName: "scan" }).ok).toBe(true);
    expect(checkFile({ prefix: png, size: png.length, fileName: "dir.jpg/scan" }).ok).toBe(true);
  });

  it("fileTypeForContentType", () => {
    expect(fileTypeForContentType("IMAGE/X-MS-BMP")).toBe("bmp");
    expect(fileTypeForContentType("image/webp")).toBeUndefined();
  });
});

function chunksOf(buf: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < buf.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length] ?? 1);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe("UploadInspector and stream helpers", () => {
  it("size, hashes and prefix match the whole file, however it is chunked", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...FILE_TYPES),
        fc.uint8Array({ maxLength: 6000 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 8 }),
        (type, tail, sizes) => {
          const file = SAMPLES[type](tail.length);
          const ins = new UploadInspector({ algorithms: ["sha256", "md5"] });
          for (const c of chunksOf(file, sizes)) ins.update(c);
          const r = ins.finish();
          expect(r.size).toBe(file.length);
          expect(r.complete).toBe(true);
          expect(r.prefix.equals(file.subarray(0, SNIFF_BYTES))).toBe(true);
          expect(r.digests.sha256?.hex).toBe(createHash("sha256").update(file).digest("hex"));
          expect(r.digests.md5?.base64).toBe(createHash("md5").update(file).digest("base64"));
          expect(r.check).toMatchObject({ ok: true, type });
        },
      ),
      { numRuns: 200 },
    );
  });

  it("through a pipeline: bytes pass unchanged", async () => {
    const file = SAMPLES.pdf(100_000);
    const ins = new UploadInspector();
    const received: Buffer[] = [];
    await pipeline(
      Readable.from(chunksOf(file, [1000, 333])),
      inspectingTransform(ins),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          received.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(received).equals(file)).toBe(true);
    expect(ins.finish()).toMatchObject({ size: file.length, complete: true, check: { ok: true, type: "pdf" } });
  });

  function* generate(head: Buffer, chunk: number, count: number, pulled: { n: number }): Generator<Buffer> {
    pulled.n++;
    yield head;
    for (let i = 0; i < count; i++) {
      pulled.n++;
      yield Buffer.alloc(chunk, 0x41);
    }
  }

  it("aborts a disguised upload once the prefix is known, without reading the rest", async () => {
    const pulled = { n: 0 };
    const ins = new UploadInspector({ declaredContentType: "image/jpeg" });
    const run = pipeline(
      Readable.from(generate(b("<!doctype html><html>"), 1024, 5000, pulled)),
      inspectingTransform(ins),
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    await expect(run).rejects.toBeInstanceOf(FileRejectedError);
    await run.catch((e: FileRejectedError) => expect(e.result).toMatchObject({ reason: "disallowed_type", detected: "html" }));
    expect(pulled.n).toBeLessThan(50);
    expect(ins.finish()).toMatchObject({ complete: false, check: { ok: false, reason: "disallowed_type" } });
  });

  it("aborts an oversize upload as soon as it passes the limit", async () => {
    const pulled = { n: 0 };
    const r = await inspectStream(generate(SAMPLES.jpeg(), 64 * 1024, 1000, pulled), { maxBytes: 1_000_000 });
    expect(r.complete).toBe(false);
    expect(r.check).toMatchObject({ ok: false, reason: "too_large" });
    expect(r.size).toBeLessThanOrEqual(1_000_000 + 64 * 1024);
    expect(pulled.n).toBeLessThan(20);
  });

  it("inspectStream on a good file, and inspectChunks passes chunks through", async () => {
    const file = SAMPLES.gif(5000);
    expect(await inspectStream(Readable.from(chunksOf(file, [700])))).toMatchObject({ size: file.length, complete: true, check: { ok: true, type: "gif" } });
    const ins = new UploadInspector();
    const out: Uint8Array[] = [];
    for await (const c of inspectChunks(Readable.from(chunksOf(file, [999])), ins)) out.push(c);
    expect(Buffer.concat(out).equals(file)).toBe(true);
    expect(ins.finish().check.ok).toBe(true);
  });

  it("a short file is judged at finish; after a rejection update keeps throwing", () => {
    const ins = new UploadInspector();
    ins.update(b("hello"));
    expect(ins.finish().check).toMatchObject({ ok: false, detected: "text" });
    const big = new UploadInspector({ maxBytes: 10 });
    expect(() => big.update(Buffer.alloc(11))).toThrow(FileRejectedError);
    expect(() => big.update(Buffer.alloc(1))).toThrow(FileRejectedError);
    expect(() => new UploadInspector().finish() && undefined).not.toThrow();
  });

  it("a stream error that is not a rejection propagates", async () => {
    async function* failing() {
      yield SAMPLES.png();
      throw new Error("socket hang up");
    }
    await expect(inspectStream(failing())).rejects.toThrow("socket hang up");
  });
});
