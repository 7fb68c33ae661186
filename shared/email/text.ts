/**
 * Text helpers for the invoice-email parser: width/case folding that keeps offsets, a small
 * linear HTML-to-text converter that keeps table cells apart and records every link with its
 * position, and HTML entity decoding.
 */
import { charge } from "./budget.ts";

/**
 * Folds full-width ASCII (U+FF01–FF5E), ideographic space, NBSP, ￥ and ASCII upper case, one
 * UTF-16 unit for one, so an index into the folded string is the same index in the original.
 */
export function fold(s: string): string {
  // toLowerCase keeps the length of every character except U+0130 (İ → i̇), so map that one first;
  // lower-casing non-ASCII letters too is harmless, labels are folded the same way.
  const lower = (s.indexOf("\u0130") >= 0 ? s.replace(/\u0130/g, "i") : s).toLowerCase();
  return WIDE.test(lower) ? mapWide(lower) : lower;
}

const WIDE = /[\uFF01-\uFF5E\u3000\u00A0\uFFE5]/;
const UTF16 = new TextDecoder("utf-16le");

/** Full-width ASCII (capitals lower-cased, as before), ideographic space, NBSP and ￥ folded; one pass over the UTF-16 units (a regex replace with a callback per full-width character is several times slower on CJK text). */
function mapWide(s: string): string {
  const n = s.length;
  const out = new Uint16Array(n);
  let surrogates = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) surrogates = true;
    out[i] =
      c < 0xa0 ? c
      : c === 0x3000 || c === 0xa0 ? 0x20
      : c === 0xffe5 ? 0xa5
      : c >= 0xff01 && c <= 0xff5e ? (c >= 0xff21 && c <= 0xff3a ? c - 0xfee0 + 32 : c - 0xfee0)
      : c;
  }
  if (!surrogates) return UTF16.decode(out);
  // fromCharCode keeps lone surrogates as they are (the UTF-16 decoder would replace them)
  let r = "";
  for (let i = 0; i < n; i += 8192) r += String.fromCharCode.apply(null, out.subarray(i, i + 8192) as unknown as number[]);
  return r;
}

/** Like fold() but keeps the case of letters (for values such as application numbers). */
export function foldWidth(s: string): string {
  return WIDE.test(s) ? mapWide(s) : s;
}

const NAMED: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", yen: "\u00a5", cent: "\u00a2", pound: "\u00a3",
  euro: "\u20ac", copy: "\u00a9", reg: "\u00ae", trade: "\u2122", middot: "\u00b7", bull: "\u2022", hellip: "\u2026",
  mdash: "\u2014", ndash: "\u2013", ldquo: "\u201c", rdquo: "\u201d", lsquo: "\u2018", rsquo: "\u2019", laquo: "\u00ab",
  raquo: "\u00bb", times: "\u00d7", divide: "\u00f7", deg: "\u00b0", plusmn: "\u00b1", sect: "\u00a7", para: "\u00b6",
  ensp: "\u2002", emsp: "\u2003", thinsp: "\u2009", zwnj: "\u200c", zwj: "\u200d", lrm: "\u200e", rlm: "\u200f",
  shy: "\u00ad", iexcl: "\u00a1", iquest: "\u00bf", frac12: "\u00bd", frac14: "\u00bc", frac34: "\u00be",
  larr: "\u2190", rarr: "\u2192", uarr: "\u2191", darr: "\u2193", hyphen: "\u2010", colon: ":", comma: ",",
  period: ".", sol: "/", lpar: "(", rpar: ")", num: "#", percnt: "%", commat: "@", excl: "!", quest: "?",
};

/** Decodes numeric and the common named character references. Unknown names are left as written. */
export function decodeEntities(s: string): string {
  if (s.indexOf("&") < 0) return s;
  return s.replace(/&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g, (m, body: string) => {
    if (body[0] === "#") {
      const cp = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return "\ufffd";
      return String.fromCodePoint(cp);
    }
    return NAMED[body] ?? NAMED[body.toLowerCase()] ?? m;
  });
}

export interface HtmlLink {
  href: string;
  /** The visible text of the link (for <area>: its alt text). */
  text: string;
  /** Offsets of the link text in the converted text. */
  start: number;
  end: number;
  tag: "a" | "area" | "form";
}

export interface HtmlText {
  text: string;
  links: HtmlLink[];
}

const BLOCK = new Set([
  "p", "div", "br", "tr", "table", "tbody", "thead", "tfoot", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "hr",
  "blockquote", "section", "article", "header", "footer", "center", "pre", "dt", "dd", "dl", "address", "form", "caption",
  "fieldset", "legend", "main", "nav", "aside", "figure", "figcaption", "details", "summary", "body", "html",
]);
const SKIP_CONTENT = new Set(["script", "style", "title", "template", "xml", "noembed", "head"]);
const CELL = new Set(["td", "th"]);
const TAG_NAME = /<\/?([a-zA-Z][a-zA-Z0-9:-]*)/y;
const ATTR = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s>]+)))?/g;

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  ATTR.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = ATTR.exec(tag)) !== null) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, decodeEntities(m[2] ?? m[3] ?? m[4] ?? ""));
  }
  return out;
}

/**
 * Converts HTML to line-oriented text: block elements end lines, table cells are separated by a
 * tab, whitespace collapses as a browser would, <script>/<style>/<head> content is dropped. Links
 * (<a href>, <area href>, <form action>) are returned with the offsets of their text.
 * Linear in the input; never throws on malformed markup.
 */
export function htmlToText(html: string): HtmlText {
  const out: string[] = [];
  let len = 0;
  let last = ""; // last emitted character ("" at start)
  let pendingSpace = false;
  let newlines = 0;
  let pre = 0;
  const links: HtmlLink[] = [];
  let open: { href: string; start: number; idx: number } | null = null;
  let base: URL | null = null;
  let headSeen = false;

  const push = (s: string) => {
    out.push(s);
    len += s.length;
    last = s[s.length - 1]!;
  };
  const newline = () => {
    pendingSpace = false;
    if (last === "" || newlines >= 2) return;
    push("\n");
    newlines++;
  };
  const cell = () => {
    pendingSpace = false;
    if (last === "" || last === "\n" || last === "\t") return;
    push("\t");
  };
  const text = (s: string) => {
    if (!s) return;
    if (pre > 0) {
      const t = s.replace(/\r\n?/g, "\n");
      if (!t) return;
      push(t);
      newlines = t.endsWith("\n") ? 1 : 0;
      return;
    }
    // collapse whitespace runs to one space; a leading/trailing run only sets pendingSpace
    const lead = isCollapsible(s.charCodeAt(0));
    let body = s.replace(WS_RUN, " ");
    if (body.charCodeAt(0) === 32) body = body.slice(1);
    if (body.charCodeAt(body.length - 1) === 32) body = body.slice(0, -1);
    if (!body) {
      pendingSpace = pendingSpace || lead;
      return;
    }
    if ((pendingSpace || lead) && last !== "" && last !== "\n" && last !== "\t") push(" ");
    push(body);
    newlines = 0;
    pendingSpace = isCollapsible(s.charCodeAt(s.length - 1));
  };
  const resolve = (href: string) => {
    const h = href.trim();
    if (!base || /^[a-z][a-z0-9+.-]*:/i.test(h) || h.startsWith("//")) return h;
    try {
      return new URL(h, base).href;
    } catch {
      return h;
    }
  };
  const closeLink = () => {
    if (!open) return;
    links.push({ href: open.href, text: out.slice(open.idx).join("").trim(), start: open.start, end: len, tag: "a" });
    open = null;
  };

  let pos = 0;
  const n = html.length;
  charge(n, "html");
  while (pos < n) {
    charge(1, "html tag");
    const lt = html.indexOf("<", pos);
    if (lt < 0) {
      text(decodeEntities(html.slice(pos)));
      break;
    }
    if (lt > pos) text(decodeEntities(html.slice(pos, lt)));
    pos = lt;
    if (html.startsWith("<!--", pos)) {
      const end = html.indexOf("-->", pos + 4);
      pos = end < 0 ? n : end + 3;
      continue;
    }
    if (html[pos + 1] === "!" || html[pos + 1] === "?") {
      const end = html.indexOf(">", pos);
      pos = end < 0 ? n : end + 1;
      continue;
    }
    TAG_NAME.lastIndex = pos;
    const m = TAG_NAME.exec(html);
    if (!m) {
      text("<");
      pos++;
      continue;
    }
    const end = tagEnd(html, pos + m[0].length);
    const closing = html[pos + 1] === "/";
    const name = m[1]!.toLowerCase();
    // the attributes (bodyFrom..bodyTo) are sliced only for the few tags that need them
    const bodyFrom = pos + m[0].length;
    const bodyTo = end < 0 ? n : end;
    pos = end < 0 ? n : end + 1;

    if (!closing && SKIP_CONTENT.has(name) && !html.slice(bodyFrom, bodyTo).trimEnd().endsWith("/")) {
      if (name === "head") {
        // Drop the text of the (first) <head>: skip to </head> or <body>, whichever comes first.
        if (headSeen) continue;
        headSeen = true;
        const a = indexOfCaseless(html, "</head", pos);
        const b = indexOfCaseless(html, "<body", pos);
        const stop = [a, b].filter((x) => x >= 0);
        if (stop.length) pos = Math.min(...stop);
        continue;
      }
      const close = indexOfCaseless(html, `</${name}`, pos);
      pos = close < 0 ? n : close;
      continue;
    }
    if (name === "a") {
      if (closing) closeLink();
      else {
        closeLink();
        const href = attrs(html.slice(bodyFrom, bodyTo)).get("href");
        if (href !== undefined) {
          // a space before the link belongs before it, not to the link text
          if (pendingSpace && last !== "" && last !== "\n" && last !== "\t") push(" ");
          pendingSpace = false;
          open = { href: resolve(href), start: len, idx: out.length };
        }
      }
      continue;
    }
    if (name === "area" && !closing) {
      const a = attrs(html.slice(bodyFrom, bodyTo));
      const href = a.get("href");
      if (href !== undefined) links.push({ href: resolve(href), text: a.get("alt") ?? "", start: len, end: len, tag: "area" });
      continue;
    }
    if (name === "base" && !closing) {
      const href = attrs(html.slice(bodyFrom, bodyTo)).get("href");
      if (href) {
        try {
          base = new URL(href.trim());
        } catch {
          base = null;
        }
      }
      continue;
    }
    if (name === "form" && !closing) {
      const action = attrs(html.slice(bodyFrom, bodyTo)).get("action");
      if (action) links.push({ href: resolve(action), text: "", start: len, end: len, tag: "form" });
    }
    if (name === "pre") pre = closing ? Math.max(0, pre - 1) : pre + 1;
    if (CELL.has(name)) {
      if (!closing) cell();
      continue;
    }
    if (name === "br") {
      // a line break, even several in a row
      pendingSpace = false;
      push("\n");
      newlines = Math.min(newlines + 1, 2);
      continue;
    }
    if (BLOCK.has(name)) newline();
  }
  closeLink();
  return { text: out.join(""), links };
}

const WS_RUN = /[ \t\n\r\f]+/g;

function isCollapsible(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** Index of the '>' ending a tag whose attributes start at `from`, honouring quotes; -1 if none. */
function tagEnd(s: string, from: number): number {
  let quote = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (quote) {
      if (c === quote) quote = 0;
    } else if (c === 34 || c === 39) {
      // a quote only opens after '=' (attribute value); stray quotes elsewhere are text
      let k = i - 1;
      while (k >= from && (s.charCodeAt(k) === 32 || s.charCodeAt(k) === 9 || s.charCodeAt(k) === 10)) k--;
      if (k >= from && s.charCodeAt(k) === 61) {
        // bounded search, so unbalanced quotes cannot make the scan quadratic
        const close = s.slice(i + 1, i + 1 + 8192).indexOf(String.fromCharCode(c));
        if (close >= 0) i = i + 1 + close;
      }
    } else if (c === 62) return i;
  }
  return -1;
}

function indexOfCaseless(s: string, needle: string, from: number): number {
  // needle is lower case ASCII; scan for '<' then compare
  let i = s.indexOf("<", from);
  while (i >= 0) {
    if (s.slice(i, i + needle.length).toLowerCase() === needle) return i;
    i = s.indexOf("<", i + 1);
  }
  return -1;
}

/**
 * `s` without the characters at its end that `drop` accepts. One backward pass: the regex form
 * (/[…]+$/) retries from every position of a long run that is not at the end, which is quadratic.
 */
export function trimEndWhere(s: string, drop: (c: string) => boolean): string {
  let e = s.length;
  while (e > 0 && drop(s[e - 1]!)) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** `s` without the characters at its start that `drop` accepts (one forward pass). */
export function trimStartWhere(s: string, drop: (c: string) => boolean): string {
  let b = 0;
  while (b < s.length && drop(s[b]!)) b++;
  return b === 0 ? s : s.slice(b);
}

/** A character test from a list of characters, plus Unicode white space when `space` is set. */
export function charsIn(list: string, space = false): (c: string) => boolean {
  const set = new Set(list);
  return (c) => set.has(c) || (space && /\s/u.test(c));
}

/** Start offsets of every line of `s` (line = text between "\n"). */
export function lineStarts(s: string): number[] {
  const starts = [0];
  let i = s.indexOf("\n");
  while (i >= 0) {
    starts.push(i + 1);
    i = s.indexOf("\n", i + 1);
  }
  return starts;
}

/** Line number (0-based) of offset `pos`, given lineStarts(). */
export function lineOf(starts: number[], pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Counts Han characters and Latin letters, the basis of the language guess. */
export function scriptCounts(s: string): { han: number; latin: number } {
  let han = 0;
  let latin = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) han++;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) latin++;
  }
  return { han, latin };
}
