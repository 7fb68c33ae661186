/**
 * Structure checks of an accepted file type (issue 11.10): the first bytes alone do not make an
 * image or a PDF. A file must decode its header (dimensions through image-size, a maintained
 * parser), end exactly at its format's end marker with nothing after it, and have a plausible size:
 *
 *   PNG  IHDR first, IEND chunk as the last 12 bytes         GIF  logical screen > 0, trailer 0x3B last
 *   JPEG SOI, a frame header with dimensions, EOI last        BMP  the header's file-size field = the length
 *   PDF  %PDF-x.y header, `startxref <offset>` + `%%EOF` at the end (only line-end whitespace after),
 *        the offset inside the file and, when the bytes there were read, a cross-reference there
 *        (an `xref` table or an `N G obj` XRef stream).
 *
 * Appended payloads (PDF+EXE, JPEG+ZIP, PNG+ELF, BMP+EXE …) therefore fail at the end marker; a
 * script hidden inside (GIF+PHP, an HTML/JS body in a comment) is refused when its text is in the
 * bytes read, as is an active PDF (/JavaScript, /JS, /Launch, /EmbeddedFile).
 *
 * Works on what was read: `head` (the first bytes), `tail` (the last bytes) and, for inline files,
 * the whole file (`head` then is all of it). I/O-free and linear in the bytes given.
 */
import { imageSize } from "image-size";
import type { FileType } from "./files.ts";

/** Bytes read from the end of a staged upload (a second ranged GET). */
export const TAIL_BYTES = 2048;

export interface StructureInput {
  /** The first bytes; the whole file when `head.length === size`. */
  head: Uint8Array;
  /** The last min(size, TAIL_BYTES) bytes (ignored when `head` is the whole file). */
  tail?: Uint8Array | undefined;
  size: number;
}

/** Smallest plausible sizes (a 1×1 image in the smallest encoding, a one-page PDF). */
const MIN_BYTES: Record<FileType, number> = { png: 67, jpeg: 107, gif: 26, bmp: 30, pdf: 64 };
/** Largest plausible dimension (BSS wants photos and scans, not 100-megapixel sides). */
const MAX_SIDE = 30_000;

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("latin1");
const u32le = (b: Uint8Array, at: number): number => ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
const i32le = (b: Uint8Array, at: number): number => u32le(b, at) | 0;
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);

const PNG_IEND = [0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
/** Script or markup that has no business inside an image or a scan (GIF+PHP style polyglots). */
const HIDDEN_SCRIPT = /<\?php|<script[\s>]|<%@|<html[\s>]/i;
const ACTIVE_PDF = /\/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b/;

function endsWith(b: Uint8Array, sig: readonly number[]): boolean {
  if (b.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[b.length - sig.length + i] !== sig[i]) return false;
  return true;
}

/** Header dimensions through image-size; `partial` when the header runs past the bytes read. */
function dimensions(head: Uint8Array, whole: boolean): { width: number; height: number } | "partial" | undefined {
  try {
    const d = imageSize(head);
    return d.width !== undefined && d.height !== undefined ? { width: d.width, height: Math.abs(d.height) } : undefined;
  } catch (err) {
    return !whole && /exceeded buffer|no size found|out of range|outside the bounds/i.test((err as Error).message) ? "partial" : undefined;
  }
}

/** Why the file is not a well-formed `type`, or undefined when it is. Messages name no content. */
export function structureProblem(type: FileType, input: StructureInput): string | undefined {
  const { head, size } = input;
  const whole = head.length >= size;
  const tail = whole ? head.subarray(Math.max(0, size - TAIL_BYTES), size) : (input.tail ?? new Uint8Array(0));
  if (!whole && tail.length < Math.min(size, TAIL_BYTES)) return "the end of the file could not be read";
  if (size < MIN_BYTES[type]) return `only ${size} bytes: too short to be a complete ${type.toUpperCase()} file`;

  const seen = whole ? latin1(head) : latin1(head) + "\n" + latin1(tail);
  if (HIDDEN_SCRIPT.test(seen)) return "the file contains script or markup text (a polyglot file)";

  if (type === "pdf") return pdfProblem(head, tail, size, whole, seen);

  const dims = dimensions(head, whole);
  if (dims === undefined) return `the ${type.toUpperCase()} header does not decode`;
  if (dims !== "partial") {
    if (dims.width < 1 || dims.height < 1) return "the image has no width or height";
    if (dims.width > MAX_SIDE || dims.height > MAX_SIDE) return `the image is ${dims.width}×${dims.height}; at most ${MAX_SIDE} pixels a side`;
  }
  switch (type) {
    case "png":
      if (latin1(head.subarray(12, 16)) !== "IHDR" || (((head[8] ?? 0) << 24) | ((head[9] ?? 0) << 16) | ((head[10] ?? 0) << 8) | (head[11] ?? 0)) !== 13) return "the PNG does not start with its IHDR chunk";
      if (!endsWith(tail, PNG_IEND)) return "the PNG does not end with its IEND chunk (data after the image, or truncated)";
      return undefined;
    case "jpeg":
      {
        const walk = jpegSegments(head);
        if (walk === "broken") return "the JPEG header segments do not chain (not a JPEG past its first bytes)";
        if (whole && walk !== "scan") return "the JPEG has no image data (no start of scan)";
      }
      if (!endsWith(tail, [0xff, 0xd9])) return "the JPEG does not end with its EOI marker (data after the image, or truncated)";
      return undefined;
    case "gif":
      if (!endsWith(tail, [0x3b])) return "the GIF does not end with its trailer (data after the image, or truncated)";
      return undefined;
    case "bmp": {
      if (u32le(head, 2) !== size) return `the BMP header says ${u32le(head, 2)} bytes but the file has ${size}`;
      const dataOffset = u32le(head, 10);
      if (dataOffset < 26 || dataOffset >= size) return "the BMP pixel data offset lies outside the file";
      const dib = u32le(head, 14);
      if (dib >= 40 && u32le(head, 30) === 0) {
        // Uncompressed: rows padded to 4 bytes must fit between the offset and the end.
        const width = i32le(head, 18);
        const height = Math.abs(i32le(head, 22));
        const bpp = u16le(head, 28);
        const row = Math.ceil((width * bpp) / 32) * 4;
        if (![1, 4, 8, 16, 24, 32].includes(bpp) || row * height > size - dataOffset) return "the BMP pixel data does not fit in the file";
      }
      return undefined;
    }
  }
}

/**
 * image-size skips bytes it does not understand; this walks the header segments strictly, from SOI
 * to the start of scan (or the end of the bytes read): each must start with 0xFF and a marker and
 * carry a length of at least 2; "scan" when the start of scan was reached, "partial" when the bytes
 * ran out first. Bounded by the bytes given.
 */
function jpegSegments(head: Uint8Array): "scan" | "partial" | "broken" {
  let at = 2;
  while (at + 4 <= head.length) {
    if (head[at] !== 0xff) return "broken";
    const marker = head[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0xd9 || marker === 0x00 || (marker >= 0xd0 && marker <= 0xd7)) return "broken";
    const length = ((head[at + 2]! << 8) | head[at + 3]!) >>> 0;
    if (length < 2) return "broken";
    if (marker === 0xda) return "scan"; // start of scan: entropy-coded data follows
    at += 2 + length;
  }
  return "partial";
}

function pdfProblem(head: Uint8Array, tail: Uint8Array, size: number, whole: boolean, seen: string): string | undefined {
  if (!/^%PDF-\d\.\d/.test(latin1(head.subarray(0, 8)))) return "the PDF header is malformed";
  // The last startxref, its offset, %%EOF, then only end-of-line whitespace.
  const end = /startxref[\r\n\t ]+(\d{1,10})[\r\n\t ]+%%EOF[\r\n\t ]*$/.exec(latin1(tail.subarray(Math.max(0, tail.length - 1024))));
  if (!end) return "the PDF does not end with startxref and %%EOF (data after the document, or truncated)";
  const offset = Number(end[1]);
  if (offset < 9 || offset >= size - 20) return "the PDF cross-reference offset lies outside the file";
  if (whole) {
    const at = latin1(head.subarray(offset, offset + 256));
    const table = /^xref[\r\n ]/.test(at);
    const stream = /^\d{1,10}[\r\n\t ]+\d{1,5}[\r\n\t ]+obj\b[\s\S]*?\/Type[\r\n\t ]*\/XRef\b/.test(at);
    if (!table && !stream) return "the PDF has no cross-reference where startxref points";
  }
  if (ACTIVE_PDF.test(seen)) return "the PDF contains active content (JavaScript, launch actions or embedded files)";
  return undefined;
}
