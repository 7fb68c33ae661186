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
  | { op: "headerSoup"; lines: string[] }
  /** Wraps the message as message/rfc822 (forward as attachment) or as an inline forward, `depth` times. */
  | { op: "nest"; depth: number; inline: boolean }
  /** Adds a text part (or replaces the body) holding a long hostile line. */
  | { op: "longLine"; pattern: string; size: number; html: boolean }
  /** Breaks RFC 2047 encoded words in the header (lost "?=", wrong charset, bad base64, folded mid-word). */
  | { op: "encodedWord"; how: number; which: number };

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

/** Patterns that made regexes backtrack (issue 11.4) and other hostile line content. */
export const HOSTILE_PATTERNS = [" ", "\t", ")", "(", "]", ".", ":", "：", ">", "-", "，", "1,000", "¥ ", "申付单号：", "From: ", "2025年1", "a@b.", "<", "&#", "=?utf-8?B?", "http://a.b/", " \u3000"];

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
  fc.record({ op: fc.constant("nest" as const), depth: fc.integer({ min: 1, max: 4 }), inline: fc.boolean() }),
  fc.record({ op: fc.constant("longLine" as const), pattern: fc.constantFrom(...HOSTILE_PATTERNS), size: fc.integer({ min: 1_000, max: 60_000 }), html: fc.boolean() }),
  fc.record({ op: fc.constant("encodedWord" as const), how: fc.integer({ min: 0, max: 4 }), which: fc.integer({ min: -1, max: 3 }) }),
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
    case "nest": {
      let out = buf;
      for (let d = 0; d < m.depth; d++) out = m.inline ? inlineForward(out, d) : attachedForward(out, d);
      return out;
    }
    case "longLine": {
      const line = m.pattern.repeat(Math.ceil(m.size / m.pattern.length)).slice(0, m.size);
      const body = m.html ? `<html><body><p>开票通知</p><p>${line}</p><td>${line}</td></body></html>` : `开票通知\r\n${line}\r\n申付单号：${line}\r\n`;
      const b = `fz${m.size}`;
      const part = `--${b}\r\nContent-Type: text/${m.html ? "html" : "plain"}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${Buffer.from(body, "utf8").toString("base64").replace(/.{76}/g, "$&\r\n")}\r\n`;
      const { head, rest } = splitHead(buf);
      const keep = head.filter((h) => !/^(content-type|content-transfer-encoding|mime-version):/i.test(h));
      return Buffer.from(`${keep.join("\r\n")}\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n${part}--${b}\r\nContent-Type: message/rfc822\r\n\r\n${rest}\r\n--${b}--\r\n`, "latin1");
    }
    case "encodedWord": {
      const breakers = [
        (w: string) => w.replace(/\?=$/, ""), // lost terminator
        (w: string) => w.replace(/^=\?[^?]+\?/, "=?x-bogus?"), // unknown charset
        (w: string) => w.replace(/\?([BbQq])\?/, "?$1?!!"), // bad payload
        (w: string) => `${w.slice(0, Math.floor(w.length / 2))}\r\n ${w.slice(Math.floor(w.length / 2))}`, // folded mid-word
        (w: string) => `${w}${w}${w}`.replace(/\?==\?/g, "?= =?"), // repeated words
      ];
      return replaceNth(buf, /=\?[^?\s]{1,40}\?[BbQq]\?[^?\s]{0,200}\?=/g, m.which, breakers[m.how % breakers.length]!);
    }
  }
}

function splitHead(buf: Buffer): { head: string[]; rest: string } {
  const s = buf.toString("latin1");
  const end = s.search(/\r?\n\r?\n/);
  return end < 0 ? { head: s.split(/\r?\n/), rest: "" } : { head: s.slice(0, end).split(/\r?\n/), rest: s.slice(end).replace(/^\r?\n\r?\n/, "") };
}

/** The message forwarded as an attachment (message/rfc822) from an internal address. */
function attachedForward(inner: Buffer, depth: number): Buffer {
  const b = `fwd-${depth}`;
  return Buffer.concat([
    Buffer.from(
      `From: finance@shilicloud.example\r\nTo: ap@shilicloud.example\r\nSubject: Fwd: 开票通知\r\nMessage-ID: <fwd-${depth}@shilicloud.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--${b}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename="fwd.eml"\r\n\r\n`,
      "latin1",
    ),
    inner,
    Buffer.from(`\r\n--${b}--\r\n`, "latin1"),
  ]);
}

/** The message's raw text quoted inline under an Outlook-style marker (as a broken client would). */
function inlineForward(inner: Buffer, depth: number): Buffer {
  const { head, rest } = splitHead(inner);
  const from = head.find((h) => /^from:/i.test(h)) ?? "From: system@info.huaweicloud.com";
  return Buffer.from(
    `From: finance@shilicloud.example\r\nSubject: FW: 开票通知 ${depth}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n-----Original Message-----\r\n${from}\r\nSent: Tuesday, July 1, 2025 10:00 AM\r\nTo: finance@shilicloud.example\r\nSubject: 开票通知\r\n\r\n${rest}`,
    "latin1",
  );
}

/** A fixture with 1–4 seeded mutations applied in turn. */
export function mutantInput(fixtures: Buffer[]): fc.Arbitrary<Buffer> {
  return fc
    .tuple(fc.nat({ max: fixtures.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([i, ms]) => ms.reduce((b, m) => applyMutation(b, m, fixtures), fixtures[i]!));
}

export function fuzzInput(fixtures: Buffer[]): fc.Arbitrary<Buffer> {
  const mutated = mutantInput(fixtures);
  const random = fc.uint8Array({ maxLength: 4096 }).map((u) => Buffer.from(u));
  const soup = fc
    .tuple(fc.array(headerLine, { maxLength: 12 }), fc.string({ maxLength: 2000 }))
    .map(([h, body]) => Buffer.from(`${h.join("\r\n")}\r\n\r\n${body}`, "utf8"));
  return fc.oneof({ arbitrary: mutated, weight: 6 }, { arbitrary: random, weight: 2 }, { arbitrary: soup, weight: 2 });
}
