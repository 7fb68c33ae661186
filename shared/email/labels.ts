/**
 * Label-driven value lookup. A "label" is a caption such as 申付单号 or "InTouch No."; its value is
 * what follows on the same line (after an optional qualifier in brackets and a separator) or, when
 * nothing follows, the next non-empty line. Longer labels win over labels inside them (不含税金额
 * hides 含税金额), and a value ends where the next label on the same line begins (so inline
 * "不含税金额：¥10,000.00，税额：¥600.00" gives two values). Pure, no I/O.
 */
import { charge } from "./budget.ts";
import { fold, lineOf, lineStarts } from "./text.ts";

export interface CompiledLabel {
  field: string;
  label: string; // folded
  ascii: boolean;
}

/** Tab-separated cells of a line, with absolute offsets. */
function cellsOf(line: string, offset: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  let start = 0;
  for (;;) {
    const tab = line.indexOf("\t", start);
    const end = tab < 0 ? line.length : tab;
    out.push({ start: offset + start, end: offset + end });
    if (tab < 0) return out;
    start = tab + 1;
  }
}

/** Folds and sorts (longest first) the labels of every field; `stop` labels get field "stop". */
export function compileLabels(labels: Record<string, string[]>): CompiledLabel[] {
  const out: CompiledLabel[] = [];
  for (const [field, list] of Object.entries(labels)) {
    for (const l of list) {
      const label = fold(l.trim());
      if (label) out.push({ field, label, ascii: /^[\x20-\x7e]+$/.test(label) });
    }
  }
  return out.sort((a, b) => b.label.length - a.label.length);
}

export interface LabelHit {
  field: string;
  start: number;
  end: number;
  line: number;
}

export interface LabelValue {
  /** The value as written (original text, trimmed). */
  raw: string;
  /** The same value, folded (full-width → ASCII, lower case). */
  folded: string;
  /** Offsets of raw in the text. */
  start: number;
  end: number;
  line: number;
  /** A colon/tab separated label and value, or the value stood on its own line. */
  hard: boolean;
}

const MAX_HITS_PER_LABEL = 64;
const MAX_CHAR_OCCURRENCES = 50_000;

/**
 * A trie of the folded labels, by UTF-16 unit, flattened into typed arrays (dense: the walk runs at
 * every position where some label could start). Node 0 is unused; a node's labels are
 * labels[labelStart[n] .. + labelCount[n]] (config order), its children are the nodes
 * childNode[childStart[n] .. + childCount[n]] reached by the units childKey[…].
 */
interface Trie {
  /** First level: table[code] is the node for a label's first unit (0: no label starts so). */
  table: Uint16Array;
  /** The same as a bitmap (8 KiB, stays in the CPU's first-level cache; the table does not). */
  starts: Int32Array;
  /** Node: every label below is ASCII and starts with a letter or digit, so it can only start a word. */
  wordStart: Uint8Array;
  labelStart: Uint32Array;
  labelCount: Uint32Array;
  labels: CompiledLabel[];
  /** Per label in `labels`: its index for the per-label hit counts. */
  labelId: Uint32Array;
  childStart: Uint32Array;
  childCount: Uint32Array;
  childKey: Uint16Array;
  childNode: Uint32Array;
}
interface BuildNode {
  kids: Map<number, BuildNode>;
  labels: number[];
  wordStart: boolean;
}
const trieCache = new WeakMap<CompiledLabel[], Trie>();
function trieOf(labels: CompiledLabel[]): Trie {
  let t = trieCache.get(labels);
  if (t) return t;
  const firsts = new Map<number, BuildNode>();
  labels.forEach((l, id) => {
    const code = l.label.charCodeAt(0);
    const wordStart = l.ascii && isAsciiWordChar(l.label[0]);
    let node: BuildNode | undefined = firsts.get(code);
    if (!node) firsts.set(code, (node = { kids: new Map(), labels: [], wordStart }));
    node.wordStart &&= wordStart;
    for (let k = 1; k < l.label.length; k++) {
      const c = l.label.charCodeAt(k);
      let child: BuildNode | undefined = node.kids.get(c);
      if (!child) node.kids.set(c, (child = { kids: new Map(), labels: [], wordStart: false }));
      node = child;
    }
    node.labels.push(id);
  });
  // number the nodes breadth first (children of a node are consecutive)
  const order: BuildNode[] = [{ kids: new Map(), labels: [], wordStart: false }];
  const ids = new Map<BuildNode, number>();
  const table = new Uint16Array(65536);
  for (const [code, node] of firsts) {
    ids.set(node, order.length);
    table[code] = order.length;
    order.push(node);
  }
  for (let q = 1; q < order.length; q++) {
    for (const child of order[q]!.kids.values()) {
      ids.set(child, order.length);
      order.push(child);
    }
  }
  if (order.length > 0xffff) throw new Error("too many label characters");
  const n = order.length;
  const starts = new Int32Array(2048);
  for (const code of firsts.keys()) starts[code >>> 5]! |= 1 << (code & 31);
  t = {
    table,
    starts,
    wordStart: new Uint8Array(n),
    labelStart: new Uint32Array(n),
    labelCount: new Uint32Array(n),
    labels: [],
    labelId: new Uint32Array(labels.length),
    childStart: new Uint32Array(n),
    childCount: new Uint32Array(n),
    childKey: new Uint16Array(n),
    childNode: new Uint32Array(n),
  };
  let edges = 0;
  for (const [id, node] of order.entries()) {
    t.wordStart[id] = node.wordStart ? 1 : 0;
    t.labelStart[id] = t.labels.length;
    t.labelCount[id] = node.labels.length;
    for (const li of node.labels) {
      t.labelId[t.labels.length] = li;
      t.labels.push(labels[li]!);
    }
    t.childStart[id] = edges;
    t.childCount[id] = node.kids.size;
    for (const [c, child] of node.kids) {
      t.childKey[edges] = c;
      t.childNode[edges] = ids.get(child)!;
      edges++;
    }
  }
  trieCache.set(labels, t);
  return t;
}
/** A value longer than this is not a value (bounds the work on hostile single-line bodies). */
const MAX_VALUE_CHARS = 2000;
const isAsciiWordChar = (c: string | undefined) => c !== undefined && /[a-z0-9]/.test(c);
/** Scratch for the trie walk: the nodes with labels passed at one position (at most one per label length). */
const FOUND = new Uint32Array(64);
/** Scratch: occurrences seen per first unit (reused: a typed array per index costs more than the scan). */
let SEEN = new Uint32Array(256);
/** Scratch: hits kept per label. */
let COUNTS = new Uint32Array(256);
const isWordCode = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);

export class LabelIndex {
  readonly text: string;
  readonly folded: string;
  private readonly starts: number[];
  private readonly hits: LabelHit[];
  private readonly byField = new Map<string, LabelHit[]>();
  private tabLines: Set<number> | null = null;

  constructor(text: string, labels: CompiledLabel[], folded?: string) {
    this.text = text;
    this.folded = folded ?? fold(text);
    this.starts = lineStarts(text);
    const f = this.folded;
    const candidates: LabelHit[] = [];
    // One pass over the text: a table lookup per character, then a walk down the label trie from
    // there (every label that starts at this position). Work is charged to the budget in batches.
    const t = trieOf(labels);
    const counts = COUNTS.length >= labels.length ? COUNTS.fill(0, 0, labels.length) : (COUNTS = new Uint32Array(labels.length));
    const seenOf = SEEN.length >= t.wordStart.length ? SEEN.fill(0, 0, t.wordStart.length) : (SEEN = new Uint32Array(t.wordStart.length));
    const { table, starts, wordStart, labelCount, childStart, childCount, childKey, childNode } = t;
    const n = f.length;
    charge(n, "labels");
    let steps = 0;
    for (let i = 0; i < n; i++) {
      const code = f.charCodeAt(i);
      if ((starts[code >>> 5]! & (1 << (code & 31))) === 0) continue;
      const root = table[code]!;
      // an ASCII word label never starts inside a word (the boundary rule below)
      if (wordStart[root] === 1 && i > 0 && isWordCode(f.charCodeAt(i - 1))) continue;
      if (seenOf[root]!++ >= MAX_CHAR_OCCURRENCES) continue;
      let node = root;
      let found = 0;
      for (let k = i + 1; ; k++) {
        steps++;
        if (labelCount[node]! > 0) FOUND[found++] = node;
        if (k >= n || found === FOUND.length) break;
        const c = f.charCodeAt(k);
        const from = childStart[node]!;
        const to = from + childCount[node]!;
        let next = 0;
        for (let e = from; e < to; e++) {
          if (childKey[e] === c) {
            next = childNode[e]!;
            break;
          }
        }
        if (next === 0) break;
        node = next;
      }
      // longest first, as the sorted labels were (the candidates' order decides ties below)
      while (found > 0) this.match(t, FOUND[--found]!, i, counts, candidates);
      if (steps >= 4096) {
        charge(steps, "label occurrence");
        steps = 0;
      }
    }
    charge(steps, "label occurrence");
    // Longest first: keep a hit only if it overlaps no kept hit. The candidates come in order of
    // start; hits that overlap nothing are kept as they are, and the longest-first choice is made
    // within each run of overlapping candidates (runs cannot affect each other).
    const kept: LabelHit[] = [];
    for (let a = 0; a < candidates.length; ) {
      let b = a + 1;
      let end = candidates[a]!.end;
      while (b < candidates.length && candidates[b]!.start < end) end = Math.max(end, candidates[b++]!.end);
      if (b === a + 1) kept.push(candidates[a]!);
      else {
        // taken marks the characters of the run's span already covered by a kept hit (linear:
        // each hit checks only its own characters, at most the longest label's length)
        const base = candidates[a]!.start;
        const taken = new Uint8Array(end - base);
        const run = candidates.slice(a, b).sort((x, y) => y.end - y.start - (x.end - x.start) || x.start - y.start);
        const chosen: LabelHit[] = [];
        for (const h of run) {
          let free = true;
          for (let k = h.start - base; k < h.end - base && free; k++) if (taken[k] === 1) free = false;
          if (!free) continue;
          taken.fill(1, h.start - base, h.end - base);
          chosen.push(h);
        }
        kept.push(...chosen.sort((x, y) => x.start - y.start));
      }
      a = b;
    }
    for (const h of kept) {
      h.line = lineOf(this.starts, h.start);
      let list = this.byField.get(h.field);
      if (!list) this.byField.set(h.field, (list = []));
      list.push(h);
    }
    this.hits = kept;
  }

  /** Adds the labels of trie node `node` (found at `i`) to `candidates`, within the per-label cap and word boundaries. */
  private match(t: Trie, node: number, i: number, counts: Uint32Array, candidates: LabelHit[]): void {
    const f = this.folded;
    const from = t.labelStart[node]!;
    const to = from + t.labelCount[node]!;
    for (let x = from; x < to; x++) {
      const l = t.labels[x]!;
      const id = t.labelId[x]!;
      if (counts[id]! >= MAX_HITS_PER_LABEL) continue;
      const end = i + l.label.length;
      const okBoundary =
        !l.ascii || ((!isAsciiWordChar(f[i - 1]) || !isAsciiWordChar(l.label[0])) && (!isAsciiWordChar(f[end]) || !isAsciiWordChar(l.label[l.label.length - 1])));
      if (okBoundary) {
        candidates.push({ field: l.field, start: i, end, line: -1 });
        counts[id]!++;
      }
    }
  }

  hitsOf(field: string): LabelHit[] {
    return this.byField.get(field) ?? [];
  }

  /** The text of one line (at most 400 characters of it). */
  lineText(line: number): string {
    const s = this.starts[line] ?? 0;
    return this.text.slice(s, Math.min(this.lineEnd(line), s + 400));
  }

  lineCount(): number {
    return this.starts.length;
  }

  private lineEnd(line: number): number {
    const next = this.starts[line + 1];
    return next === undefined ? this.text.length : next - 1;
  }

  /** First hit (any field) starting in [from, to). */
  private nextHitIn(from: number, to: number): LabelHit | undefined {
    // hits are sorted by start; binary search the first with start >= from
    let lo = 0;
    let hi = this.hits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.hits[mid]!.start < from) lo = mid + 1;
      else hi = mid;
    }
    const h = this.hits[lo];
    return h && h.start < to ? h : undefined;
  }

  /** Whether `hit` starts a line (after whitespace, bullets or brackets) or follows a tab, comma, semicolon, bar or colon (发票邮寄信息：收件人：…). */
  atBoundary(hit: LabelHit): boolean {
    const lineStart = this.starts[hit.line]!;
    const from = Math.max(lineStart, hit.start - 200);
    const before = this.folded.slice(from, hit.start);
    if (from === lineStart && /^[\s>*•·\-–—\d.、【\[(（]*$/u.test(before)) return true;
    return /[\t,;；。|｜、:][ \t]*$/u.test(before);
  }

  /**
   * A table whose first row holds only labels (<th>申付单号</th><th>对账期次</th>…) and whose next
   * row holds the values: the value of a header cell is the cell in the same column below it.
   */
  private columnValue(hit: LabelHit): LabelValue | null | undefined {
    const lineStart = this.starts[hit.line]!;
    const lineEnd = this.lineEnd(hit.line);
    if (lineEnd - lineStart > 4000) return undefined;
    if (!this.tabLines) {
      this.tabLines = new Set();
      for (let i = this.folded.indexOf("\t"); i >= 0; i = this.folded.indexOf("\t", i + 1)) this.tabLines.add(lineOf(this.starts, i));
    }
    if (!this.tabLines.has(hit.line)) return undefined;
    const line = this.folded.slice(lineStart, lineEnd);
    const cells = cellsOf(line, lineStart);
    if (cells.length < 2) return undefined;
    let labelled = 0;
    let column = -1;
    for (const [i, c] of cells.entries()) {
      const h = this.nextHitIn(c.start, c.end);
      if (h && this.folded.slice(c.start, h.start).trim() === "" && this.folded.slice(h.end, c.end).replace(/\([^()]*\)/g, "").replace(/[\s:]/g, "") === "") labelled++;
      if (hit.start >= c.start && hit.start < c.end) column = i;
    }
    if (labelled < 2 || labelled < cells.length - 1 || column < 0) return undefined;
    for (let line2 = hit.line + 1, blanks = 0; line2 < this.starts.length && blanks <= 1; line2++) {
      const s = this.starts[line2]!;
      if (this.lineEnd(line2) - s > 4000) return null;
      const body = this.folded.slice(s, this.lineEnd(line2));
      if (body.trim() === "") {
        blanks++;
        continue;
      }
      const below = cellsOf(body, s);
      if (below.length !== cells.length) return null;
      const c = below[column]!;
      return this.slice(c.start, c.end, line2, true);
    }
    return null;
  }

  /** The value that follows a label hit, or null if there is none. */
  valueOf(hit: LabelHit): LabelValue | null {
    charge(64, "label value");
    const col = this.columnValue(hit);
    if (col !== undefined) return col;
    const f = this.folded;
    const lineEnd = this.lineEnd(hit.line);
    let pos = hit.end;
    // an optional qualifier: 开票金额（含税）, Amount (USD)
    const q = /^[ \t]*\(([^()\n]{0,24})\)/.exec(f.slice(pos, Math.min(lineEnd, pos + 40)));
    if (q) pos += q[0].length;
    const sep = /^[ \t]*([:=\t])?[ \t]*/.exec(f.slice(pos, Math.min(lineEnd, pos + 200)))!;
    const hardSep = sep[1] !== undefined || /\t| {2}/.test(sep[0]);
    pos += sep[0].length;
    const stop = this.nextHitIn(pos, lineEnd);
    const end = Math.min(stop ? stop.start : lineEnd, pos + MAX_VALUE_CHARS);
    const v = this.slice(pos, end, hit.line, hardSep);
    if (v) return v;
    if (stop || !this.restIsBlank(hit.end, lineEnd)) return null;
    // nothing after the label on its line: the next non-empty line (at most one blank line between)
    for (let line = hit.line + 1, blanks = 0; line < this.starts.length && blanks <= 1; line++) {
      const s = this.starts[line]!;
      const e = this.lineEnd(line);
      const body = f.slice(s, e);
      if (body.trim() === "") {
        blanks++;
        continue;
      }
      const first = this.nextHitIn(s, e);
      if (first && f.slice(s, first.start).trim() === "") return null; // the next line is another label
      let stopAt = Math.min(first ? first.start : e, s + MAX_VALUE_CHARS);
      const tab = f.indexOf("\t", s);
      if (tab >= 0 && tab < stopAt) stopAt = tab; // only the first cell of a table row
      return this.slice(s, stopAt, line, true);
    }
    return null;
  }

  private restIsBlank(from: number, to: number): boolean {
    for (let i = from; i < to; i++) if (!/[\s:=\])）】>》」]/u.test(this.folded[i]!)) return false;
    return true;
  }

  private slice(start: number, end: number, line: number, hard: boolean): LabelValue | null {
    let s = start;
    let e = end;
    while (s < e && /[\s:=\])）】》」]/u.test(this.folded[s]!)) s++;
    while (e > s && /[\s]/.test(this.folded[e - 1]!)) e--;
    if (s >= e) return null;
    return { raw: this.text.slice(s, e), folded: this.folded.slice(s, e), start: s, end: e, line, hard };
  }

  /**
   * The first value of `field` that `accept` turns into something non-null. With `near`, hits on
   * lines closer to that line are tried first and hits more than `maxLines` away are ignored.
   */
  find<T>(field: string, accept: (v: LabelValue, hit: LabelHit) => T | null, near?: { line: number; maxLines: number }): T | null {
    let hits = this.hitsOf(field);
    if (near) {
      hits = hits
        .filter((h) => Math.abs(h.line - near.line) <= near.maxLines)
        .sort((a, b) => Math.abs(a.line - near.line) - Math.abs(b.line - near.line) || a.start - b.start);
    }
    for (const h of hits) {
      const v = this.valueOf(h);
      if (!v) continue;
      const r = accept(v, h);
      if (r !== null) {
        this.accepted.set(field, v.line);
        return r;
      }
    }
    return null;
  }

  /** Line of the value last accepted by find() for each label field (where a field came from). */
  readonly accepted = new Map<string, number>();

  /** Line number (0-based) of an offset in the text. */
  lineAt(pos: number): number {
    return lineOf(this.starts, pos);
  }
}
