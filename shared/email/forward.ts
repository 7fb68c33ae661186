/**
 * Inline forwards: a colleague's "Fwd:" with a "---------- Forwarded message ---------" (Gmail),
 * "-----Original Message-----" (Outlook), "Begin forwarded message:" (Apple), "转发的邮件" …
 * marker followed by a From/Date/Subject/To block, or an Outlook header block without a marker
 * when the subject says it is a forward. Pure, no I/O.
 */
import { charge } from "./budget.ts";
import { fold, trimEndWhere } from "./text.ts";

export interface ForwardSyntax {
  markers: string[];
  fromHeaders: string[];
  otherHeaders: string[];
  subjectPrefixes: string[];
}

export interface InlineForward {
  /** Offset of the marker (or header block) line. */
  start: number;
  /** Offset where the forwarded message's own text begins (after its header block). */
  bodyStart: number;
  /** Lower-case address of the forwarded original's From, if the block names one. */
  from: string | null;
  subject: string | null;
}

/** The longest word of a marker (compiled once per syntax, see compiledSyntax). */
const longestWord = (marker: string) =>
  fold(marker)
    .split(/[\s\-_=*>:：]+/)
    .reduce((a, b) => (b.length > a.length ? b : a), "");

const SQUASH = /[\s\-_=*>:：]+/g;
/** `folded` (already folded) without blanks, dashes and the other marker decorations. */
const squashFolded = (folded: string) => folded.replace(SQUASH, "");
const squash = (s: string) => squashFolded(fold(s));

/** Prefix lists folded once per list (they are the configuration's, so they live as long as it). */
const prefixCache = new WeakMap<readonly string[], string[]>();

/** Whether a subject starts with a forward prefix (Fwd:, FW:, 转发:). */
export function isForwardSubject(subject: string, prefixes: string[]): boolean {
  let folded = prefixCache.get(prefixes);
  if (!folded) prefixCache.set(prefixes, (folded = prefixes.map((p) => fold(p))));
  const s = fold(subject).trimStart();
  return folded.some((f) => s.startsWith(f) && /^\s*[:：]/.test(s.slice(f.length)));
}

/** The address in a From line value ("华为云 <a@b>", "a@b", "x [mailto:a@b]"), lower case. */
export function addressIn(value: string): string | null {
  const angle = /<\s*(?:mailto:)?([^<>\s@]{1,64}@[^<>\s]{1,255}?)\s*>/i.exec(value);
  const bare = angle ?? /(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)/.exec(value);
  return bare ? bare[1]!.toLowerCase() : null;
}

/** Outlook's separator line before a forwarded or quoted message's header block. */
const RULE = "__________";
const isRule = (line: string) => {
  const t = line.trim();
  return t.length >= RULE.length && t.length <= 200 && /^_+$/.test(t);
};

const MAX_KEY = 24;
/** A marker line is short; longer lines are not compared (bounds the work per line). */
const MAX_MARKER = 200;
const DOTS = (c: string) => c === "." || c === "。";
const isBlank = (c: number) => c === 32 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);

/**
 * "  > Key : value" → {key, value}: quote marks and blanks, a key of 1–24 characters without a colon,
 * blanks, ":" or "：", the value. One pass over the line (a regex with a lazy key between two blank
 * runs backtracks quadratically on a long blank line, issue 11.4).
 */
export function splitHeaderLine(line: string): { key: string; value: string } | null {
  let i = 0;
  while (i < line.length && (isBlank(line.charCodeAt(i)) || line.charCodeAt(i) === 62)) i++;
  // the key ends at the first colon, at most 24 characters plus trailing blanks away
  let j = i;
  let keyEnd = i;
  for (; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (c === 58 || c === 0xff1a) break;
    if (c === 10) return null;
    if (!isBlank(c)) {
      keyEnd = j + 1;
      if (keyEnd - i > MAX_KEY) return null;
    }
  }
  if (j >= line.length || keyEnd === i) return null;
  return { key: line.slice(i, keyEnd), value: line.slice(j + 1).trim() };
}

const trimStars = (s: string) => {
  let a = 0;
  let b = s.length;
  while (a < b && s[a] === "*") a++;
  while (b > a && s[b - 1] === "*") b--;
  return s.slice(a, b);
};

interface Line {
  start: number;
  end: number;
  text: string;
}

function splitLines(text: string): Line[] {
  const out: Line[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf("\n", start);
    const end = nl < 0 ? text.length : nl;
    out.push({ start, end, text: text.slice(start, end) });
    if (nl < 0) break;
    start = nl + 1;
  }
  return out;
}

interface CompiledSyntax {
  words: string[];
  markers: Set<string>;
  fromKeys: Set<string>;
  allKeys: Set<string>;
}
const syntaxCache = new WeakMap<ForwardSyntax, CompiledSyntax>();
/** The syntax's word lists folded once per syntax object (the intake builds one per configuration). */
function compiledSyntax(syntax: ForwardSyntax): CompiledSyntax {
  let c = syntaxCache.get(syntax);
  if (!c) {
    const fromKeys = new Set(syntax.fromHeaders.map((h) => fold(h)));
    c = {
      words: syntax.markers.map(longestWord),
      markers: new Set(syntax.markers.map(squash)),
      fromKeys,
      allKeys: new Set([...fromKeys, ...syntax.otherHeaders.map((h) => fold(h))]),
    };
    syntaxCache.set(syntax, c);
  }
  return c;
}

/**
 * Finds the innermost inline forward in `text` (a forward of a forward gives the original), or null.
 * `subjectIsForward` allows a marker-less Outlook header block. Only lines holding some marker's
 * longest word, as written, are compared with the markers (the pre-check below assumes the same).
 */
export function findInlineForward(text: string, syntax: ForwardSyntax, subjectIsForward: boolean, folded: string = fold(text)): InlineForward | null {
  const { words, markers, fromKeys, allKeys } = compiledSyntax(syntax);
  // cheap pre-check: without a forward subject, some marker's longest word (or Outlook's rule of
  // underscores) must occur in the text
  if (!subjectIsForward && !folded.includes(RULE) && !words.some((w) => folded.includes(w))) return null;
  charge(text.length, "inline forward");
  const lines = splitLines(text);
  const headerOf = (line: string): { key: string; value: string } | null => {
    charge(Math.min(line.length, 64), "inline forward header");
    const h = splitHeaderLine(line);
    if (!h) return null;
    const key = fold(trimStars(h.key).trim());
    return allKeys.has(key) ? { key, value: h.value } : null;
  };

  /** A From line, within two blank lines after line `at`, followed closely by two more header lines. */
  const headerBlockAt = (at: number): number => {
    let k = at;
    for (let blanks = 0; k < lines.length && lines[k]!.text.trim() === "" && blanks < 2; blanks++) k++;
    const h = k < lines.length ? headerOf(lines[k]!.text) : null;
    if (!h || !fromKeys.has(h.key)) return -1;
    let more = 0;
    for (let n = k + 1; n < Math.min(lines.length, k + 6); n++) if (headerOf(lines[n]!.text)) more++;
    return more >= 2 ? k : -1;
  };

  let found: InlineForward | null = null;
  let i = 0;
  let depth = 0;
  while (i < lines.length && depth < 8) {
    const line = lines[i]!;
    charge(line.text.length + 1, "inline forward line");
    // a marker line holds some marker's longest word (only those lines are squashed and compared)
    const fl = folded.slice(line.start, line.end);
    const sq = line.end - line.start <= 4 * MAX_MARKER && words.some((w) => fl.includes(w)) ? squashFolded(fl) : "";
    let blockAt = -1;
    if (sq && sq.length <= MAX_MARKER && markers.has(trimEndWhere(sq, DOTS))) blockAt = i + 1;
    // Outlook / Exchange: a rule of underscores, then the original's From/Sent/To/Subject block
    else if (isRule(fl) && headerBlockAt(i + 1) >= 0) blockAt = i + 1;
    // marker-less: a From line followed closely by more header lines
    else if (subjectIsForward && headerBlockAt(i) === i) blockAt = i;
    if (blockAt < 0) {
      i++;
      continue;
    }
    // parse the header block: skip up to two blank lines, then consecutive "Key: value" lines
    let k = blockAt;
    let blanks = 0;
    while (k < lines.length && lines[k]!.text.trim() === "" && blanks < 2) {
      k++;
      blanks++;
    }
    let from: string | null = null;
    let subject: string | null = null;
    let lastHeader = -1;
    while (k < lines.length) {
      const h = headerOf(lines[k]!.text);
      if (!h) break;
      if (fromKeys.has(h.key) && from === null) from = addressIn(h.value);
      if ((h.key === "subject" || h.key === "主题") && subject === null) subject = h.value;
      lastHeader = k;
      k++;
    }
    const bodyLine = lastHeader >= 0 ? lastHeader + 1 : blockAt;
    const bodyStart = bodyLine < lines.length ? lines[bodyLine]!.start : text.length;
    found = { start: line.start, bodyStart, from, subject };
    depth++;
    i = Math.max(bodyLine, i + 1);
  }
  return found;
}
