/**
 * Well-formed minimal files of every accepted type, of an exact size, with a text inside (a marker
 * a log scan can look for): for `partner-ops demo`, the tests and the benchmarks. Each passes the
 * structure checks of structure.ts and opens in an ordinary viewer (an 8×8 grey JPEG, a 1×1 PNG,
 * GIF and BMP, a one-page PDF); the size is reached with comment data (JPEG COM segments, PNG tEXt,
 * a GIF comment extension, bytes between the BMP headers and its pixels, a PDF comment line).
 * Writers only; nothing here parses untrusted input.
 */
import { crc32, deflateSync } from "node:zlib";

const be32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};

function pad(text: string, length: number): Buffer {
  const b = Buffer.alloc(length, 0x20);
  Buffer.from(text, "latin1").copy(b, 0, 0, Math.min(length, Buffer.byteLength(text, "latin1")));
  return b;
}

function tooSmall(kind: string, size: number, min: number): never {
  throw new RangeError(`a sample ${kind} needs at least ${min} bytes (asked ${size})`);
}

/** An 8×8 mid-grey baseline JPEG; the text and padding in COM segments after the JFIF header. */
export function sampleJpeg(size: number, text = "partner-ops sample"): Buffer {
  const soiApp0 = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
  const dqt = Buffer.concat([Buffer.from([0xff, 0xdb, 0x00, 0x43, 0x00]), Buffer.alloc(64, 1)]);
  const sof0 = Buffer.from([0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00]);
  // One code of length 1 in each table: DC category 0, AC end-of-block.
  const dht = (cls: number) => Buffer.concat([Buffer.from([0xff, 0xc4, 0x00, 0x14, cls, 0x01]), Buffer.alloc(15, 0), Buffer.from([0x00])]);
  const sos = Buffer.from([0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00]);
  const scanAndEoi = Buffer.from([0x3f, 0xff, 0xd9]); // bits 0 (DC) 0 (EOB), padded with ones
  const fixed = soiApp0.length + dqt.length + sof0.length + 2 * dht(0).length + sos.length + scanAndEoi.length;
  let remaining = size - fixed;
  if (remaining < 4 + Math.min(text.length, 1)) tooSmall("JPEG", size, fixed + 4 + text.length);
  const comments: Buffer[] = [];
  let first = true;
  while (remaining > 0) {
    // Each COM segment costs 4 bytes of marker and length; never leave fewer than 4 for the next.
    let n = Math.min(remaining - 4, 65533);
    if (remaining - 4 - n > 0 && remaining - 4 - n < 4) n -= 4;
    const body = pad(first ? text : "", n);
    comments.push(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from([(n + 2) >> 8, (n + 2) & 0xff]), body]));
    remaining -= n + 4;
    first = false;
  }
  return Buffer.concat([soiApp0, ...comments, dqt, sof0, dht(0x00), dht(0x10), sos, scanAndEoi]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const td = Buffer.concat([Buffer.from(type, "latin1"), data]);
  return Buffer.concat([be32(data.length), td, be32(crc32(td))]);
}

/** A 1×1 grey PNG; the text and padding in one tEXt chunk ("Comment"). */
export function samplePng(size: number, text = "partner-ops sample"): Buffer {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = pngChunk("IHDR", Buffer.concat([be32(1), be32(1), Buffer.from([8, 0, 0, 0, 0])]));
  const idat = pngChunk("IDAT", deflateSync(Buffer.from([0, 0x80])));
  const iend = pngChunk("IEND", Buffer.alloc(0));
  const fixed = sig.length + ihdr.length + idat.length + iend.length + 12 + "Comment\0".length;
  if (size < fixed + text.length) tooSmall("PNG", size, fixed + text.length);
  const textChunk = pngChunk("tEXt", Buffer.concat([Buffer.from("Comment\0", "latin1"), pad(text, size - fixed)]));
  return Buffer.concat([sig, ihdr, idat, textChunk, iend]);
}

/** A 1×1 GIF89a; the text and padding in a comment extension. */
export function sampleGif(size: number, text = "partner-ops sample"): Buffer {
  const head = Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff]);
  const image = Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]);
  const fixed = head.length + image.length + 3; // 21 FE … 00
  let remaining = size - fixed;
  if (remaining < 2 + text.length) tooSmall("GIF", size, fixed + 2 + text.length);
  const blocks: Buffer[] = [];
  let first = true;
  while (remaining > 0) {
    let n = Math.min(remaining - 1, 255);
    if (remaining - 1 - n === 1) n -= 1; // a sub-block needs at least its length byte and one data byte
    blocks.push(Buffer.concat([Buffer.from([n]), pad(first ? text : "", n)]));
    remaining -= n + 1;
    first = false;
  }
  return Buffer.concat([head, Buffer.from([0x21, 0xfe]), ...blocks, Buffer.from([0x00]), image]);
}

/** A 1×1 24-bit BMP; the text and padding between the headers and the pixel data. */
export function sampleBmp(size: number, text = "partner-ops sample"): Buffer {
  const min = 54 + 4 + text.length;
  if (size < min) tooSmall("BMP", size, min);
  const b = Buffer.alloc(size, 0);
  const offset = size - 4; // one pixel row: 3 bytes + 1 padding
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(offset, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(1, 18);
  b.writeInt32LE(1, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(4, 34);
  pad(text, offset - 54).copy(b, 54);
  b.set([0x80, 0x80, 0x80, 0x00], offset);
  return b;
}

/** A one-page PDF with its cross-reference table; the text and padding on a comment line. */
export function samplePdf(size: number, text = "partner-ops sample"): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    "<< /Length 0 >>\nstream\n\nendstream",
  ];
  const build = (commentLength: number): Buffer => {
    let out = `%PDF-1.4\n%${pad(text, commentLength).toString("latin1")}\n`;
    const offsets: number[] = [];
    objects.forEach((o, i) => {
      offsets.push(Buffer.byteLength(out, "latin1"));
      out += `${i + 1} 0 obj\n${o}\nendobj\n`;
    });
    const xref = Buffer.byteLength(out, "latin1");
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
    for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
    out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return Buffer.from(out, "latin1");
  };
  // startxref's digits depend on the comment length: settle it in a few rounds.
  let comment = Math.max(text.length, 1);
  for (let i = 0; i < 4; i++) {
    const got = build(comment).length;
    if (got === size) break;
    comment += size - got;
    if (comment < text.length) tooSmall("PDF", size, build(text.length).length);
  }
  const b = build(comment);
  if (b.length !== size) throw new RangeError(`could not make a PDF of exactly ${size} bytes`);
  return b;
}
