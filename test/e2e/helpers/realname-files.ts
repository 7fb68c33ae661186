/**
 * Test data of the real-name e2e tests: checksummed credit codes / ID numbers and small files of
 * each type with a recognisable marker inside (so a log scan can look for file contents).
 */
import { residentIdCheckChar, usccCheckChar } from "../../../shared/realname/index.ts";

export const uscc = (body17: string): string => body17 + usccCheckChar(body17);
export const residentId = (body17: string): string => body17 + residentIdCheckChar(body17);

/** Marker written into every generated file (after the magic bytes). */
export const FILE_MARKER = "FILECONTENTMARKER";

export function jpeg(size: number, tag: string, marker = FILE_MARKER): Buffer {
  const b = Buffer.alloc(size, 0x11);
  Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]).copy(b, 0);
  Buffer.from(`${marker}-${tag}`).copy(b, 64);
  b[size - 2] = 0xff;
  b[size - 1] = 0xd9;
  return b;
}
export function png(size: number, tag: string, marker = FILE_MARKER): Buffer {
  const b = Buffer.alloc(size, 0x22);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  Buffer.from(`${marker}-${tag}`).copy(b, 64);
  return b;
}
export function pdf(size: number, tag: string, marker = FILE_MARKER): Buffer {
  const b = Buffer.alloc(size, 0x20);
  Buffer.from(`%PDF-1.4\n% ${marker}-${tag}\n`).copy(b, 0);
  return b;
}
export const html = (tag: string, marker = FILE_MARKER): Buffer =>
  Buffer.from(`<!DOCTYPE html><html><body><script>alert("${marker}-${tag}")</script></body></html>`.padEnd(3000, " "));
export function zip(tag: string, marker = FILE_MARKER): Buffer {
  const b = Buffer.alloc(3000, 0);
  Buffer.from([0x50, 0x4b, 0x03, 0x04]).copy(b, 0);
  Buffer.from(`${marker}-${tag}`).copy(b, 40);
  return b;
}
