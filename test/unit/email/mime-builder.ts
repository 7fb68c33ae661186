/**
 * Test helper: builds raw MIME messages in any charset / transfer encoding, independently of the
 * parser under test (iconv-lite for charsets, hand-written QP/base64/RFC 2047/RFC 2231 encoders).
 */
import iconv from "iconv-lite";

export type TransferEncoding = "quoted-printable" | "base64" | "8bit" | "7bit";

export function encodeCharset(text: string, charset: string): Buffer {
  return charset.toLowerCase() === "utf-8" ? Buffer.from(text, "utf8") : iconv.encode(text, charset);
}

/** Quoted-printable (RFC 2045) of bytes, CRLF line breaks kept as hard breaks, soft breaks at 76. */
export function qp(bytes: Buffer): string {
  const lines: string[] = [];
  let line = "";
  const flush = (soft: boolean) => {
    lines.push(soft ? `${line}=` : line);
    line = "";
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d && bytes[i + 1] === 0x0a) {
      // trailing whitespace before a hard break must be encoded
      if (/[ \t]$/.test(line)) line = line.slice(0, -1) + `=${line.charCodeAt(line.length - 1).toString(16).toUpperCase().padStart(2, "0")}`;
      flush(false);
      i++;
      continue;
    }
    const tok = (b >= 33 && b <= 126 && b !== 61) || b === 32 ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, "0")}`;
    if (line.length + tok.length > 75) flush(true);
    line += tok;
  }
  if (/[ \t]$/.test(line)) line = line.slice(0, -1) + `=${line.charCodeAt(line.length - 1).toString(16).toUpperCase().padStart(2, "0")}`;
  lines.push(line);
  return lines.join("\r\n");
}

export function b64(bytes: Buffer): string {
  return (bytes.toString("base64").match(/.{1,76}/g) ?? [""]).join("\r\n");
}

/** RFC 2047 encoded word(s) for a header value, folded. */
export function encodedWord(text: string, charset: string, mode: "B" | "Q" = "B"): string {
  // split by characters so no multi-byte character is cut between words
  const words: string[] = [];
  let chunk = "";
  for (const ch of text) {
    if (encodeCharset(chunk + ch, charset).length > 30) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  if (chunk) words.push(chunk);
  return words
    .map((w) => {
      const bytes = encodeCharset(w, charset);
      const body =
        mode === "B"
          ? bytes.toString("base64")
          : [...bytes].map((b) => ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) ? String.fromCharCode(b) : b === 32 ? "_" : `=${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
      return `=?${charset}?${mode}?${body}?=`;
    })
    .join("\r\n ");
}

/** RFC 2231 filename*0*=…; filename*1*=… parameters (percent-encoded UTF-8, continued). */
export function rfc2231Filename(name: string, param = "filename"): string {
  const enc = [...Buffer.from(name, "utf8")].map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, "0")}`)).join("");
  // continuation chunks of ~40 characters, never split inside a %XX escape
  const safe: string[] = [];
  let cur = "";
  for (const ch of enc) {
    cur += ch;
    if (cur.length >= 40 && !/%[0-9A-F]?$/.test(cur)) {
      safe.push(cur);
      cur = "";
    }
  }
  if (cur) safe.push(cur);
  return safe.map((p, i) => `${param}*${i}*=${i === 0 ? "utf-8''" : ""}${p}`).join(";\r\n ");
}

export interface Part {
  headers: string[];
  body: string; // already transfer-encoded, lines CRLF
}

export function textPart(content: string, subtype: "plain" | "html", charset: string, cte: TransferEncoding): Part {
  const bytes = encodeCharset(content.replace(/\r?\n/g, "\r\n"), charset);
  const body = cte === "quoted-printable" ? qp(bytes) : cte === "base64" ? b64(bytes) : bytes.toString("latin1");
  return { headers: [`Content-Type: text/${subtype}; charset=${charset}`, `Content-Transfer-Encoding: ${cte}`], body };
}

export function binaryPart(content: Buffer, contentType: string, extraHeaders: string[]): Part {
  return { headers: [`Content-Type: ${contentType}`, "Content-Transfer-Encoding: base64", ...extraHeaders], body: b64(content) };
}

let boundaryCounter = 0;
export function multipart(subtype: "alternative" | "related" | "mixed", parts: Part[]): Part {
  const boundary = `----=_Part_${++boundaryCounter}_test.${subtype}`;
  const body = parts.map((p) => `--${boundary}\r\n${p.headers.join("\r\n")}\r\n\r\n${p.body}\r\n`).join("") + `--${boundary}--`;
  return { headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"`], body };
}

/** A whole message: top-level headers plus one (possibly multipart) part. Returned as bytes (latin1 = raw bytes). */
export function message(headers: string[], part: Part): Buffer {
  return Buffer.from(`${[...headers, "MIME-Version: 1.0", ...part.headers].join("\r\n")}\r\n\r\n${part.body}\r\n`, "latin1");
}

export function rfc822Part(inner: Buffer, disposition: "attachment" | "inline" | null): Part {
  return { headers: ["Content-Type: message/rfc822", ...(disposition ? [`Content-Disposition: ${disposition}`] : [])], body: inner.toString("latin1") };
}
