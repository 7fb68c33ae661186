/**
 * Attachment checks by content: magic-number sniffing on a prefix of the bytes, size limits and
 * a streaming inspector (size + hashes + prefix) so an upload is checked without buffering it.
 *
 * BSS accepts jpg, jpeg, bmp, png, gif and pdf, at most 10 MB each (bss-api.md §8). The name and
 * the declared content type are never trusted; when they disagree with the content that is
 * reported as a mismatch. Messages never repeat the file name (it may contain a person's name),
 * only its extension.
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { TAIL_BYTES, structureProblem } from "./structure.ts";

export const FILE_TYPES = ["jpeg", "png", "gif", "bmp", "pdf"] as const;
export type FileType = (typeof FILE_TYPES)[number];

interface FileTypeInfo {
  readonly label: string;
  /** Content-Type we store the object with. */
  readonly mime: string;
  /** Extension used in object keys. */
  readonly ext: string;
  readonly mimeAliases: readonly string[];
  readonly extensions: readonly string[];
}

export const FILE_TYPE_INFO: Readonly<Record<FileType, FileTypeInfo>> = {
  jpeg: { label: "JPEG", mime: "image/jpeg", ext: "jpg", mimeAliases: ["image/jpeg", "image/jpg", "image/pjpeg"], extensions: ["jpg", "jpeg", "jpe", "jfif"] },
  png: { label: "PNG", mime: "image/png", ext: "png", mimeAliases: ["image/png", "image/x-png"], extensions: ["png"] },
  gif: { label: "GIF", mime: "image/gif", ext: "gif", mimeAliases: ["image/gif"], extensions: ["gif"] },
  bmp: { label: "BMP", mime: "image/bmp", ext: "bmp", mimeAliases: ["image/bmp", "image/x-bmp", "image/x-ms-bmp"], extensions: ["bmp", "dib"] },
  pdf: { label: "PDF", mime: "application/pdf", ext: "pdf", mimeAliases: ["application/pdf", "application/x-pdf"], extensions: ["pdf"] },
};

/** Every content-type spelling we accept as a declaration (lower case). */
export const ACCEPTED_CONTENT_TYPES: readonly string[] = FILE_TYPES.flatMap((t) => FILE_TYPE_INFO[t].mimeAliases);

/**
 * Per-file limit. BSS says "10 MB" without saying whether that is 10^7 or 2^20·10 bytes; we use
 * the smaller reading so that BSS never refuses a file we accepted (CBC.99000099).
 */
export const MAX_FILE_BYTES = 10_000_000;

/** How many leading bytes {@link sniffFileType} looks at (more are ignored, fewer may be enough). */
export const SNIFF_BYTES = 2048;

const ALLOWED_LIST = "JPEG, PNG, GIF, BMP or PDF";

/** The allowed file type a declared content type names, if any (case and parameters ignored). */
export function fileTypeForContentType(contentType: string): FileType | undefined {
  const base = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  return FILE_TYPES.find((t) => FILE_TYPE_INFO[t].mimeAliases.includes(base));
}

// ---------------------------------------------------------------------------------------------
// Sniffing

export type DisallowedKind =
  | "empty"
  | "html"
  | "svg"
  | "xml"
  | "zip"
  | "office_openxml"
  | "opendocument"
  | "office_legacy"
  | "windows_executable"
  | "elf_executable"
  | "macho_executable"
  | "script"
  | "webp"
  | "tiff"
  | "heif"
  | "avif"
  | "iso_media"
  | "riff"
  | "gzip"
  | "rar"
  | "7z"
  | "rtf"
  | "postscript"
  | "icon"
  | "photoshop"
  | "text"
  | "truncated"
  | "unknown";

export type SniffResult =
  | { allowed: true; type: FileType; description: string }
  | { allowed: false; kind: DisallowedKind; description: string };

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
}
function ascii(s: string): number[] {
  return [...s].map((c) => c.charCodeAt(0));
}
function latin1(b: Uint8Array, from: number, to: number): string {
  // Clamp both ends to the prefix: past its end lie other bytes of the ArrayBuffer (or nothing).
  const start = Math.min(from, b.length);
  return Buffer.from(b.buffer, b.byteOffset + start, Math.max(0, Math.min(to, b.length) - start)).toString("latin1");
}
function u32le(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function no(kind: DisallowedKind, description: string): SniffResult {
  return { allowed: false, kind, description };
}

/**
 * Identifies the file type from its first bytes (pass at least {@link SNIFF_BYTES} when the file
 * is that long; a shorter prefix is fine when it is the whole file).
 */
export function sniffFileType(prefix: Uint8Array): SniffResult {
  const b = prefix.length > SNIFF_BYTES ? prefix.subarray(0, SNIFF_BYTES) : prefix;
  if (b.length === 0) return no("empty", "an empty file");

  // Allowed types first.
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { allowed: true, type: "jpeg", description: "a JPEG image" };
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { allowed: true, type: "png", description: "a PNG image" };
  if (startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a"))) return { allowed: true, type: "gif", description: "a GIF image" };
  if (startsWith(b, ascii("BM"))) {
    if (b.length < 18) return no("truncated", "too short to be a BMP image");
    // Reserved words at 6..9 are zero and the DIB header has one of the defined sizes.
    if (u32le(b, 6) === 0 && BMP_DIB_HEADER_SIZES.has(u32le(b, 14))) return { allowed: true, type: "bmp", description: "a BMP image" };
  }
  if (startsWith(b, ascii("%PDF-"))) {
    if (/^%PDF-\d\.\d/.test(latin1(b, 0, 8))) return { allowed: true, type: "pdf", description: "a PDF document" };
    if (b.length < 8) return no("truncated", "too short to be a PDF document");
  }

  // Recognisable disguises.
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) {
    const nameLen = (b[26] ?? 0) | ((b[27] ?? 0) << 8);
    const firstName = latin1(b, 30, 30 + nameLen);
    if (firstName === "mimetype" && latin1(b, 30 + nameLen, 30 + nameLen + 80).includes("application/vnd.oasis.opendocument")) {
      return no("opendocument", "an OpenDocument file (.odt/.ods/.odp)");
    }
    if (firstName === "[Content_Types].xml" || /^(word|xl|ppt)\//.test(firstName) || firstName === "_rels/.rels") {
      return no("office_openxml", "a Microsoft Office document (.docx/.xlsx/.pptx)");
    }
    return no("zip", "a ZIP archive");
  }
  if (startsWith(b, [0x50, 0x4b, 0x05, 0x06]) || startsWith(b, [0x50, 0x4b, 0x07, 0x08])) return no("zip", "a ZIP archive");
  if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return no("office_legacy", "a legacy Microsoft Office document (.doc/.xls/.ppt)");
  if (startsWith(b, ascii("MZ"))) return no("windows_executable", "a Windows executable");
  if (startsWith(b, [0x7f, 0x45, 0x4c, 0x46])) return no("elf_executable", "an ELF executable");
  for (const sig of [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]]) {
    if (startsWith(b, sig)) return no("macho_executable", "a Mach-O executable");
  }
  if (startsWith(b, ascii("#!"))) return no("script", "a script (#!)");
  if (startsWith(b, ascii("RIFF"))) {
    if (startsWith(b, ascii("WEBP"), 8)) return no("webp", "a WebP image");
    return no("riff", "a RIFF media file (e.g. AVI/WAV)");
  }
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return no("tiff", "a TIFF image");
  if (startsWith(b, ascii("ftyp"), 4)) {
    const brand = latin1(b, 8, 12);
    if (/^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) return no("heif", "a HEIF/HEIC image");
    if (/^avi[fs]$/.test(brand)) return no("avif", "an AVIF image");
    return no("iso_media", "an MP4/QuickTime media file");
  }
  if (startsWith(b, [0x1f, 0x8b])) return no("gzip", "a gzip archive");
  if (startsWith(b, ascii("Rar!\x1a\x07"))) return no("rar", "a RAR archive");
  if (startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return no("7z", "a 7-Zip archive");
  if (startsWith(b, ascii("{\\rtf"))) return no("rtf", "an RTF document");
  if (startsWith(b, ascii("%!PS"))) return no("postscript", "a PostScript document");
  if (startsWith(b, ascii("8BPS"))) return no("photoshop", "a Photoshop document");
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00])) return no("icon", "a Windows icon");

  // Text: markup (HTML/SVG/XML) or anything else printable.
  if (startsWith(b, [0xff, 0xfe]) || startsWith(b, [0xfe, 0xff])) return no("text", "a UTF-16 text file");
  const body = startsWith(b, [0xef, 0xbb, 0xbf]) ? b.subarray(3) : b;
  const text = decodeTextPrefix(body);
  if (text !== undefined) {
    const t = text.replace(/^[\s\u0000]+/, "").toLowerCase();
    if (t.startsWith("<?php")) return no("script", "a PHP script");
    if (t.startsWith("<")) {
      if (/<svg[\s>]/.test(t)) return no("svg", "an SVG image (XML, may carry scripts)");
      if (/^<(!doctype\s+html|html|head|body|script|iframe|meta|title|style|div|a\s|form|img|table|p[\s>]|h[1-6]|!--)/.test(t)) {
        return no("html", "an HTML document");
      }
      if (t.startsWith("<?xml")) return no("xml", "an XML document");
      return no("html", "markup text (HTML/XML)");
    }
    return no("text", "a plain-text file");
  }
  if (b.length < 8) return no("truncated", `only ${b.length} byte(s), too short to be an image or PDF`);
  return no("unknown", "not a recognised image or PDF");
}

/** The prefix as text when it is printable UTF-8 (a multi-byte character cut at the end is fine). */
function decodeTextPrefix(b: Uint8Array): string | undefined {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  for (let cut = 0; cut <= Math.min(3, b.length); cut++) {
    try {
      const s = decoder.decode(b.subarray(0, b.length - cut));
      // Printable: no C0 controls other than tab/newline/carriage return/form feed/escape.
      return /[\u0001-\u0008\u000e-\u001a\u001c-\u001f\u007f]/.test(s) ? undefined : s;
    } catch {
      // try a shorter prefix
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Whole-file check

/** `size_mismatch` is only produced by intake.checkUploadedFile (declared slot size ≠ uploaded size). */
export type FileRejection = "empty" | "too_large" | "disallowed_type" | "malformed" | "type_mismatch" | "size_mismatch";

export type FileCheckResult =
  | { ok: true; type: FileType; mime: string; ext: string; size: number; warnings: string[] }
  | { ok: false; reason: FileRejection; message: string; detected?: string };
export type FileCheckFailure = Extract<FileCheckResult, { ok: false }>;

export interface FileCheckInput {
  /** The first bytes of the file (at least {@link SNIFF_BYTES} or the whole file). */
  prefix: Uint8Array;
  /** The last min(size, TAIL_BYTES) bytes, when `prefix` is not the whole file (structure check). */
  tail?: Uint8Array | undefined;
  /** Judge the type by the first bytes only (a streaming inspector before the end is reached). */
  typeOnly?: boolean;
  /** Total size in bytes. */
  size: number;
  /** What the sender claimed (Content-Type header, JSON field); only compared, never trusted. */
  declaredContentType?: string | undefined;
  /** The sender's file name; only its extension is compared, and it is never echoed. */
  fileName?: string | undefined;
  /** Default {@link MAX_FILE_BYTES}. */
  maxBytes?: number;
  /** A declared type or extension that disagrees with the content: "reject" (default) or "warn". */
  onMismatch?: "reject" | "warn";
}

/** Extensions we recognise as naming a type (other "extensions", e.g. in "Zhang.San", are ignored). */
const KNOWN_EXTENSIONS = new Set([
  ...FILE_TYPES.flatMap((t) => FILE_TYPE_INFO[t].extensions),
  "htm", "html", "xhtml", "svg", "svgz", "xml", "zip", "docx", "xlsx", "pptx", "doc", "xls", "ppt", "odt", "ods", "odp",
  "exe", "dll", "com", "scr", "msi", "bat", "cmd", "ps1", "sh", "js", "mjs", "php", "py", "jar", "apk",
  "webp", "tif", "tiff", "heic", "heif", "avif", "ico", "psd", "txt", "csv", "rtf", "ps", "eps", "gz", "tgz", "rar", "7z",
  "mp4", "mov", "avi", "wav",
]);

function extensionOf(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const base = fileName.split(/[\\/]/).pop() ?? "";
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(base);
  const ext = m?.[1]?.toLowerCase();
  return ext !== undefined && KNOWN_EXTENSIONS.has(ext) ? ext : undefined;
}

function formatBytes(n: number): string {
  return `${n.toLocaleString("en-US")} bytes`;
}

/** Checks one file: not empty, not too large, an allowed type by content, and consistent with what was declared. */
export function checkFile(input: FileCheckInput): FileCheckResult {
  const max = input.maxBytes ?? MAX_FILE_BYTES;
  if (input.size === 0) return { ok: false, reason: "empty", message: "the file is empty", detected: "empty" };
  if (input.size > max) {
    return { ok: false, reason: "too_large", message: `the file is ${formatBytes(input.size)}; the limit is ${formatBytes(max)} per file` };
  }
  const sniffed = sniffFileType(input.prefix);
  const ext = extensionOf(input.fileName);
  const declared = input.declaredContentType?.split(";")[0]?.trim().toLowerCase() || undefined;
  // Only a well-formed type/subtype is echoed back; anything else could be arbitrary user text.
  const declaredLabel = declared === undefined ? undefined : /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(declared) ? declared : "an invalid content type";
  const claims = [declaredLabel ? `declared as ${declaredLabel}` : "", ext ? `named *.${ext}` : ""].filter(Boolean).join(" and ");
  if (!sniffed.allowed) {
    return {
      ok: false,
      reason: sniffed.kind === "empty" ? "empty" : "disallowed_type",
      detected: sniffed.kind,
      message: `the content is ${sniffed.description}${claims ? ` (${claims})` : ""}; only ${ALLOWED_LIST} files are accepted`,
    };
  }
  const info = FILE_TYPE_INFO[sniffed.type];
  const mismatches: string[] = [];
  if (declared !== undefined && !info.mimeAliases.includes(declared)) mismatches.push(`declared as ${declaredLabel}`);
  if (ext !== undefined && !info.extensions.includes(ext)) mismatches.push(`named *.${ext}`);
  const warnings: string[] = [];
  if (mismatches.length > 0) {
    const message = `the file is ${mismatches.join(" and ")} but its content is ${info.label}`;
    if ((input.onMismatch ?? "reject") === "reject") return { ok: false, reason: "type_mismatch", detected: sniffed.type, message };
    warnings.push(message);
  }
  if (input.typeOnly !== true) {
    const problem = structureProblem(sniffed.type, { head: input.prefix, tail: input.tail, size: input.size });
    if (problem) return { ok: false, reason: "malformed", detected: sniffed.type, message: `not a well-formed ${info.label} file: ${problem}` };
  }
  return { ok: true, type: sniffed.type, mime: info.mime, ext: info.ext, size: input.size, warnings };
}

// ---------------------------------------------------------------------------------------------
// Streaming

/** Thrown by {@link UploadInspector} (and so by its stream wrappers) as soon as a file is known to be bad. */
export class FileRejectedError extends Error {
  readonly result: FileCheckFailure;
  constructor(result: FileCheckFailure) {
    super(`file rejected: ${result.message}`);
    this.name = "FileRejectedError";
    this.result = result;
  }
}

export type HashAlgorithm = "sha256" | "md5" | "sha1";

export interface InspectionResult {
  /** Bytes seen; when the inspector rejected the file early this is how far it got. */
  size: number;
  /** False when the file was rejected before its end (size and digests then cover only a part). */
  complete: boolean;
  /** The first bytes, at most {@link SNIFF_BYTES}. */
  prefix: Buffer;
  /** Digest per requested algorithm, hex and base64 (e.g. for Content-MD5 or x-amz-checksum-sha256). */
  digests: Partial<Record<HashAlgorithm, { hex: string; base64: string }>>;
  check: FileCheckResult;
}

export interface InspectorOptions extends Omit<FileCheckInput, "prefix" | "size" | "tail" | "typeOnly"> {
  /** Default ["sha256"]. */
  algorithms?: readonly HashAlgorithm[];
}

/**
 * Counts, hashes and keeps the first {@link SNIFF_BYTES} of a file fed in chunks. `update` throws
 * {@link FileRejectedError} as soon as the size passes the limit or the prefix shows a disallowed
 * type, so a stream can be aborted early; `finish` returns the full result (and never throws).
 */
export class UploadInspector {
  readonly #options: InspectorOptions;
  readonly #hashes: [HashAlgorithm, Hash][];
  readonly #prefix: Buffer = Buffer.alloc(SNIFF_BYTES);
  #prefixLength = 0;
  /** The last TAIL_BYTES seen (for the end-marker check). */
  #tail: Buffer = Buffer.alloc(0);
  #size = 0;
  #sniffedEarly = false;
  #finished = false;
  #rejection: FileCheckFailure | undefined;

  constructor(options: InspectorOptions = {}) {
    this.#options = options;
    this.#hashes = (options.algorithms ?? ["sha256"]).map((a) => [a, createHash(a)]);
  }

  get size(): number {
    return this.#size;
  }

  update(chunk: Uint8Array): void {
    if (this.#finished) throw new Error("UploadInspector.update after finish");
    if (this.#rejection) throw new FileRejectedError(this.#rejection);
    if (chunk.length === 0) return;
    this.#size += chunk.length;
    for (const [, h] of this.#hashes) h.update(chunk);
    if (this.#prefixLength < SNIFF_BYTES) {
      const take = Math.min(SNIFF_BYTES - this.#prefixLength, chunk.length);
      this.#prefix.set(chunk.subarray(0, take), this.#prefixLength);
      this.#prefixLength += take;
    }
    this.#tail = chunk.length >= TAIL_BYTES ? Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES)) : Buffer.concat([this.#tail, chunk]).subarray(-TAIL_BYTES);
    const max = this.#options.maxBytes ?? MAX_FILE_BYTES;
    if (this.#size > max) {
      this.#reject({ ok: false, reason: "too_large", message: `the file is more than ${formatBytes(max)}; the limit is ${formatBytes(max)} per file` });
    }
    if (!this.#sniffedEarly && this.#prefixLength === SNIFF_BYTES) {
      this.#sniffedEarly = true;
      const check = checkFile({ ...this.#options, prefix: this.#prefix, size: this.#size, typeOnly: true });
      if (!check.ok) this.#reject(check);
    }
  }

  #reject(result: FileCheckFailure): never {
    this.#rejection = result;
    throw new FileRejectedError(result);
  }

  finish(): InspectionResult {
    this.#finished = true;
    const prefix = Buffer.from(this.#prefix.subarray(0, this.#prefixLength));
    const digests: InspectionResult["digests"] = {};
    for (const [a, h] of this.#hashes) {
      const d = h.digest();
      digests[a] = { hex: d.toString("hex"), base64: d.toString("base64") };
    }
    const check = this.#rejection ?? checkFile({ ...this.#options, prefix, tail: this.#tail, size: this.#size });
    return { size: this.#size, complete: this.#rejection === undefined, prefix, digests, check };
  }
}

/**
 * A pass-through Transform that feeds every chunk to `inspector`; it fails the pipeline with
 * {@link FileRejectedError} as soon as the file is known to be bad. Call `inspector.finish()`
 * after the pipeline completes.
 */
export function inspectingTransform(inspector: UploadInspector): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback) {
      try {
        inspector.update(chunk);
        callback(null, chunk);
      } catch (err) {
        callback(err as Error);
      }
    },
  });
}

/** Async-iterator form of {@link inspectingTransform}: yields the chunks of `source` unchanged. */
export async function* inspectChunks(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, inspector: UploadInspector): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    inspector.update(chunk);
    yield chunk;
  }
}

/**
 * Reads a stream through an inspector (nothing is kept but the prefix) and returns the result.
 * Stops reading (and so destroys a Node stream) as soon as the file is known to be bad; the
 * result then has `complete: false` and the failed `check`. Other stream errors propagate.
 */
export async function inspectStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: InspectorOptions = {}): Promise<InspectionResult> {
  const inspector = new UploadInspector(options);
  try {
    for await (const chunk of source) inspector.update(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  } catch (err) {
    if (!(err instanceof FileRejectedError)) throw err;
  }
  return inspector.finish();
}
