/**
 * Issue 11.10: files judged by their first bytes only. Each polyglot below starts like an accepted
 * image or PDF but carries something else (an executable, an archive, a script) or is not a complete
 * file; every one must be refused both inline (the whole file) and as a staged upload (first 2 KiB +
 * last 2 KiB, what submit reads). The well-formed originals must still pass (the table is not
 * refusing everything).
 */
import { describe, expect, it } from "vitest";
import { SNIFF_BYTES, checkFile } from "../../shared/realname/files.ts";
import { sampleBmp, sampleGif, sampleJpeg, samplePdf, samplePng } from "../../shared/realname/sample-files.ts";
import { TAIL_BYTES } from "../../shared/realname/structure.ts";

const b = (s: string) => Buffer.from(s, "latin1");
const MZ = Buffer.concat([b("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), Buffer.alloc(50, 0), b("PE\0\0"), Buffer.alloc(3000, 0x90)]);
const ELF = Buffer.concat([b("\x7fELF\x02\x01\x01\x00"), Buffer.alloc(3000, 0x00)]);
const ZIP = Buffer.concat([b("PK\x03\x04\x14\x00\x00\x00\x08\x00"), Buffer.alloc(20, 0), b("evil.sh"), Buffer.alloc(500, 0x41), b("PK\x05\x06"), Buffer.alloc(18, 0)]);
const PHP = b("<?php system($_GET['c']); ?>");

function withBmpSize(file: Buffer, size: number): Buffer {
  const c = Buffer.from(file);
  c.writeUInt32LE(size, 2);
  return c;
}
function gifWithComment(text: Buffer): Buffer {
  const g = sampleGif(200);
  // Put the script into the comment extension data (the file stays a valid GIF).
  const at = g.indexOf(b("partner-ops sample"));
  const c = Buffer.from(g);
  text.copy(c, at);
  return c;
}

const POLYGLOTS: [string, Buffer][] = [
  ["PDF + Windows executable appended", Buffer.concat([samplePdf(3000), MZ])],
  ["PDF + ZIP appended", Buffer.concat([samplePdf(600), ZIP])],
  ["PDF whose %%EOF is followed by a script", Buffer.concat([samplePdf(600), b("\n<script>alert(1)</script>")])],
  ["PDF without a cross-reference (startxref missing)", b("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n").subarray(0)],
  ["PDF whose startxref points at no xref", Buffer.from(samplePdf(600).toString("latin1").replace(/startxref\n\d+/, "startxref\n20"), "latin1")],
  ["PDF with JavaScript", Buffer.from(samplePdf(600).toString("latin1").replace("/Type /Catalog", "/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "latin1")],
  ["8-byte PDF", b("%PDF-1.7")],
  ["PDF header + padding, no structure", Buffer.concat([b("%PDF-1.4\n"), Buffer.alloc(5000, 0x20), b("%%EOF\n")])],
  ["JPEG + ZIP appended", Buffer.concat([sampleJpeg(3000), ZIP])],
  ["JPEG + trailing HTML", Buffer.concat([sampleJpeg(600), b("<html><script>alert(1)</script></html>")])],
  ["JPEG with a PHP comment", (() => { const j = Buffer.from(sampleJpeg(600)); PHP.copy(j, j.indexOf(b("partner-ops"))); return j; })()],
  ["3-byte JPEG", Buffer.from([0xff, 0xd8, 0xff])],
  ["JPEG header + filler, no frame, ends with EOI", (() => { const j = Buffer.alloc(4000, 0x11); j.set([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 0); j.set([0xff, 0xd9], 3998); return j; })()],
  ["JPEG truncated (no EOI)", sampleJpeg(5000).subarray(0, 4990)],
  ["JPEG with headers and EOI but no image data (no start of scan)", (() => { const j = sampleJpeg(600); const sos = j.indexOf(Buffer.from([0xff, 0xda])); return Buffer.concat([j.subarray(0, sos), Buffer.from([0xff, 0xd9])]); })()],
  ["GIF + PHP (script in the comment)", gifWithComment(PHP)],
  ["GIF header + PHP, no image", Buffer.concat([b("GIF89a\x01\x00\x01\x00\x00\x00\x00"), PHP])],
  ["GIF + ZIP appended", Buffer.concat([sampleGif(600), ZIP])],
  ["BMP + Windows executable appended (size field of the image)", withBmpSize(Buffer.concat([sampleBmp(600), MZ]), 600)],
  ["BMP + executable with a size field that covers it but no pixels for it", (() => { const x = Buffer.concat([sampleBmp(100), MZ]); x.writeUInt32LE(x.length, 2); x.writeInt32LE(4000, 18); return x; })()],
  ["BMP whose size field lies", withBmpSize(sampleBmp(600), 9999)],
  ["PNG + ELF appended", Buffer.concat([samplePng(3000), ELF])],
  ["PNG + ZIP appended", Buffer.concat([samplePng(600), ZIP])],
  ["PNG truncated (no IEND)", samplePng(5000).subarray(0, 4000)],
  ["PNG signature + filler", Buffer.concat([b("\x89PNG\r\n\x1a\n"), Buffer.alloc(3000, 0x22)])],
  ["PNG with an HTML tEXt chunk", (() => { const p = Buffer.from(samplePng(600)); b("<html><body onload=x()>").copy(p, p.indexOf(b("partner-ops"))); return p; })()],
];

const GOOD: [string, Buffer][] = [
  ["JPEG", sampleJpeg(6000)],
  ["PNG", samplePng(6000)],
  ["GIF", sampleGif(6000)],
  ["BMP", sampleBmp(6000)],
  ["PDF", samplePdf(6000)],
  ["small JPEG", sampleJpeg(300)],
  ["small PDF", samplePdf(500)],
];

const staged = (f: Buffer) => checkFile({ prefix: f.subarray(0, SNIFF_BYTES), tail: f.subarray(Math.max(0, f.length - TAIL_BYTES)), size: f.length });
const inline = (f: Buffer) => checkFile({ prefix: f, size: f.length });

describe(`polyglot and malformed files (${POLYGLOTS.length})`, () => {
  it.each(POLYGLOTS)("%s: refused inline and as an upload", (_name, file) => {
    const a = inline(file);
    const c = staged(file);
    expect(a.ok, JSON.stringify(a)).toBe(false);
    expect(c.ok, JSON.stringify(c)).toBe(false);
    if (!a.ok) expect(a.message).not.toMatch(/undefined|NaN/);
  });

  it.each(GOOD)("a well-formed %s passes both ways", (_name, file) => {
    expect(inline(file)).toMatchObject({ ok: true });
    expect(staged(file)).toMatchObject({ ok: true });
  });
});
