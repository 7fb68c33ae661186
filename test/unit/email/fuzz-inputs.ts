/**
 * Hostile inputs for the invoice-email parser: the fixtures mutated (byte flips, truncation, header
 * duplication, charset and transfer-encoding swaps, content-type swaps, boundary damage, splices,
 * inserted/deleted bytes) plus random bytes and random header soup. Shared by the fuzz test and
 * bench/fuzz-email.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";

export function loadFixtures(): Buffer[] {
  const dir = new URL("../../fixtures/invoice-emails/", import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".eml"))
    .sort()
    .map((f) => readFileSync(new URL(f, dir)));
}

const CHARSETS = ["utf-8", "gbk", "gb18030", "gb2312", "iso-8859-1", "us-ascii", "utf-16", "utf-16le", "utf-7", "big5", "shift_jis", "koi8-r", "x-unknown", "", "\"", "utf-8\"; charset=gbk"];
const CTES = ["base64", "quoted-printable", "7bit", "8bit", "binary", "x-uuencode", "bogus", ""];
const CTYPES = ["text/plain", "text/html", "message/rfc822", "multipart/mixed", "multipart/alternative", "application/pdf", "image/png", "text/calendar", "message/delivery-status"];

type Mutation =
  | { op: "flip"; at: number; byte: number }
  | { op: "truncate"; at: number }
  | { op: "dupHeader"; line: number; times: number; tweak: string }
  | { op: "charset"; to: string; which: number }
  | { op: "cte"; to: string; which: number }
  | { op: "ctype"; to: string; which: number }
  | { op: "boundary"; which: number; junk: string }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; len: number }
  | { op: "splice"; other: number; at: number; from: number }
  | { op: "headerSoup"; lines: string[] };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const headerLine = fc.oneof(
  fc.constantFrom(
    "From: system@info.huaweicloud.com",
    "From: <>",
    "From: =?utf-8?B?5Y2O5Li65LqR?= <system@huaweicloud.com.evil.example>",
    "Subject: =?gb18030?B?1/C+tLXE?=",
    "Subject: =?utf-8?Q?=E5=BC=80=E7=A5=A8?= =?bogus?X?zz?=",
    "Content-Type: multipart/mixed; boundary=",
    "Content-Type: text/html; charset=gb18030",
    "Content-Transfer-Encoding: base64",
    "Content-Disposition: attachment; filename*0*=utf-8''%E5%BC; filename*1*=%80",
    "X-SES-Spam-Verdict: FAIL",
    "X-SES-Virus-Verdict: PROCESSING_FAILED",
    "Authentication-Results: x; dkim=fail; spf=softfail; dmarc=fail",
    "Reply-To: a@b, , <@>",
    "Message-ID: <a@b>",
    "\t folded continuation",
    ": no name",
  ),
  fc.string({ maxLength: 80 }).map((s) => `X-Fuzz: ${s}`),
  fc.string({ maxLength: 80 }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: frac, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: frac }),
  fc.record({ op: fc.constant("dupHeader" as const), line: fc.integer({ min: 0, max: 20 }), times: fc.integer({ min: 1, max: 5 }), tweak: fc.string({ maxLength: 10 }) }),
  fc.record({ op: fc.constant("charset" as const), to: fc.constantFrom(...CHARSETS), which: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ op: fc.constant("cte" as const), to: fc.constantFrom(...CTES), which: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ op: fc.constant("ctype" as const), to: fc.constantFrom(...CTYPES), which: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ op: fc.constant("boundary" as const), which: fc.integer({ min: 0, max: 6 }), junk: fc.string({ maxLength: 4 }) }),
  fc.record({ op: fc.constant("insert" as const), at: frac, bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ op: fc.constant("delete" as const), at: frac, len: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ op: fc.constant("splice" as const), other: fc.nat(), at: frac, from: frac }),
  fc.record({ op: fc.constant("headerSoup" as const), lines: fc.array(headerLine, { maxLength: 8 }) }),
);

/** Replaces the `which`-th match of `re` (all when which < 0) in a latin1 view of the bytes. */
function replaceNth(buf: Buffer, re: RegExp, which: number, fn: (m: string) => string): Buffer {
  const s = buf.toString("latin1");
  let i = 0;
  return Buffer.from(
    s.replace(re, (m) => (which < 0 || i++ === which ? fn(m) : m)),
    "latin1",
  );
}

export function applyMutation(buf: Buffer, m: Mutation, fixtures: Buffer[]): Buffer {
  const at = (f: number) => Math.floor(f * buf.length);
  switch (m.op) {
    case "flip": {
      if (buf.length === 0) return buf;
      const b = Buffer.from(buf);
      b[at(m.at)] = m.byte;
      return b;
    }
    case "truncate":
      return buf.subarray(0, at(m.at));
    case "dupHeader": {
      const s = buf.toString("latin1");
      const end = s.search(/\r?\n\r?\n/);
      const head = (end < 0 ? s : s.slice(0, end)).split(/\r\n/);
      const line = head[m.line % Math.max(1, head.length)] ?? "";
      const copies = Array.from({ length: m.times }, (_, k) => (k % 2 ? `${line}${m.tweak}` : line));
      const newHead = [...copies, ...head].join("\r\n");
      return Buffer.from(newHead + (end < 0 ? "" : s.slice(end)), "latin1");
    }
    case "charset":
      return replaceNth(buf, /charset="?[A-Za-z0-9_.:-]+"?/gi, m.which, () => `charset=${m.to}`);
    case "cte":
      return replaceNth(buf, /Content-Transfer-Encoding:[^\r\n]*/gi, m.which, () => `Content-Transfer-Encoding: ${m.to}`);
    case "ctype":
      return replaceNth(buf, /Content-Type:\s*[a-z]+\/[a-z0-9.+-]+/gi, m.which, () => `Content-Type: ${m.to}`);
    case "boundary":
      return replaceNth(buf, /boundary="?([^";\r\n]+)"?/gi, m.which % 3, (x) => x.slice(0, Math.max(9, x.length - 3)) + m.junk);
    case "insert": {
      const i = at(m.at);
      return Buffer.concat([buf.subarray(0, i), Buffer.from(m.bytes), buf.subarray(i)]);
    }
    case "delete": {
      const i = at(m.at);
      return Buffer.concat([buf.subarray(0, i), buf.subarray(i + m.len)]);
    }
    case "splice": {
      const other = fixtures[m.other % fixtures.length]!;
      return Buffer.concat([buf.subarray(0, at(m.at)), other.subarray(Math.floor(m.from * other.length))]);
    }
    case "headerSoup":
      return Buffer.concat([Buffer.from(m.lines.join("\r\n") + (m.lines.length ? "\r\n" : ""), "utf8"), buf]);
  }
}

export function fuzzInput(fixtures: Buffer[]): fc.Arbitrary<Buffer> {
  const mutated = fc
    .tuple(fc.nat({ max: fixtures.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([i, ms]) => ms.reduce((b, m) => applyMutation(b, m, fixtures), fixtures[i]!));
  const random = fc.uint8Array({ maxLength: 4096 }).map((u) => Buffer.from(u));
  const soup = fc
    .tuple(fc.array(headerLine, { maxLength: 12 }), fc.string({ maxLength: 2000 }))
    .map(([h, body]) => Buffer.from(`${h.join("\r\n")}\r\n\r\n${body}`, "utf8"));
  return fc.oneof({ arbitrary: mutated, weight: 6 }, { arbitrary: random, weight: 2 }, { arbitrary: soup, weight: 2 });
}
