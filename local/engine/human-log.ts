/**
 * The terminal form of the engine's log (`npm start` on a TTY): every Powertools JSON line the engine
 * and its functions print becomes one short line — time, level, function, message and the two or
 * three fields that matter — coloured with Node's util.styleText. A warning that repeats is shown
 * once, with a hint where there is one; the engine's per-invocation lines are left out. With
 * `--json`, or when stdout is not a terminal, the JSON lines pass unchanged (as Lambda prints them).
 */
import { styleText } from "node:util";

/** Keys every line has (or that only Lambda cares about): never shown as fields. */
const NOISE = new Set(["level", "message", "timestamp", "service", "sampling_rate", "function", "xray_trace_id", "cold_start", "function_arn", "function_memory_size", "function_name", "function_request_id", "component"]);
/** Fields shown first when a line has them. */
const PRIORITY = ["file", "customerId", "applicationId", "noticeId", "queue", "key", "status", "outcome", "reason", "kind", "count", "scheduled", "delivered", "durationMs", "error"];
const MAX_FIELDS = 3;

/** Hints for warnings that repeat (matched on the start of the message). */
export const WARNING_HINTS: readonly [prefix: string, hint: string][] = [
  ["contacts directory not found", "put a directory at renewal/contacts.json in the config bucket (sample: events/renewal-contacts.sample.json); until then every customer gets e-mail at their BSS address"],
];

type Style = Parameters<typeof styleText>[0];
const LEVEL_STYLE: Record<string, Style> = { DEBUG: "gray", INFO: "green", WARN: "yellow", ERROR: "red", CRITICAL: ["red", "bold"] };

function short(v: unknown): string {
  if (v !== null && typeof v === "object") {
    const m = (v as { message?: unknown }).message;
    if (typeof m === "string") return short(m);
    v = JSON.stringify(v);
  }
  const s = String(v).replace(/\s+/g, " ");
  return s.length > 48 ? `${s.slice(0, 47)}…` : s;
}

export interface HumanLineOptions {
  color: boolean;
}

/** One log record as a terminal line, or undefined to leave it out. Pure. */
export function formatLogRecord(r: Record<string, unknown>, o: HumanLineOptions): string | undefined {
  const level = String(r["level"] ?? "INFO").toUpperCase();
  const message = String(r["message"] ?? "").replace(/[\r\n]+/g, " ");
  if (message === "invocation") return undefined; // one per engine call: the engine's JSON log keeps them
  const paint = (style: Style, text: string) => (o.color ? styleText(style, text, { validateStream: false }) : text);
  const ts = typeof r["timestamp"] === "string" ? r["timestamp"] : new Date().toISOString();
  const time = ts.length >= 23 ? ts.slice(11, 23) : ts;
  const fn = typeof r["function"] === "string" ? r["function"].replace(/\s+/g, " ") : r["service"] === "partner-ops-engine" ? "engine" : String(r["service"] ?? "");
  // Fields the message already says (e.g. the file it names) are not repeated.
  const keys = Object.keys(r).filter((k) => !NOISE.has(k) && r[k] !== undefined && r[k] !== null && !(typeof r[k] === "string" && message.includes(r[k] as string)));
  keys.sort((a, b) => (PRIORITY.indexOf(a) + 1 || 99) - (PRIORITY.indexOf(b) + 1 || 99));
  const fields = keys.slice(0, MAX_FIELDS).map((k) => `${paint("dim", `${k.replace(/\s+/g, " ")}=`)}${short(r[k])}`);
  return [paint("dim", time), paint(LEVEL_STYLE[level] ?? "white", level.padEnd(5)), paint("cyan", fn.padEnd(18)), message, ...fields].join(" ");
}

/** Turns JSON log lines into terminal lines; keeps state for repeated warnings. */
export class HumanLog {
  private readonly seenWarnings = new Set<string>();
  private readonly options: HumanLineOptions;
  constructor(options: HumanLineOptions) {
    this.options = options;
  }

  /** The text to print for one line of output (a JSON log line or anything else, unchanged). */
  line(text: string): string | undefined {
    if (!text.startsWith("{")) return text;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return text;
    }
    if (typeof r["level"] !== "string" || typeof r["message"] !== "string") return text;
    if (r["level"] === "WARN") {
      const key = `${String(r["function"] ?? r["service"])}\n${r["message"]}`;
      if (this.seenWarnings.has(key)) return undefined;
      this.seenWarnings.add(key);
      const out = formatLogRecord(r, this.options);
      const hint = WARNING_HINTS.find(([prefix]) => (r["message"] as string).startsWith(prefix))?.[1];
      const note = `(shown once${hint ? `; ${hint}` : ""})`;
      return out === undefined ? undefined : `${out} ${this.options.color ? styleText("dim", note, { validateStream: false }) : note}`;
    }
    return formatLogRecord(r, this.options);
  }
}

/**
 * Routes the streams (process.stdout, and process.stderr where Powertools writes warnings and
 * errors) through one HumanLog: complete lines are formatted, partial ones wait for their end.
 * Returns the function that puts the streams back.
 */
export function installHumanLog(streams: readonly NodeJS.WriteStream[], options: HumanLineOptions): () => void {
  const log = new HumanLog(options);
  const restores = streams.map((stream) => {
    const original = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
    let pending = "";
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      pending += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      const cut = pending.lastIndexOf("\n");
      if (cut < 0) return true;
      const lines = pending.slice(0, cut).split("\n");
      pending = pending.slice(cut + 1);
      const out = lines.map((l) => log.line(l)).filter((l): l is string => l !== undefined);
      const cb = rest.find((x): x is () => void => typeof x === "function");
      if (out.length === 0) {
        cb?.();
        return true;
      }
      return original(`${out.join("\n")}\n`, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = original as typeof stream.write;
      if (pending) original(pending);
    };
  });
  return () => {
    for (const r of restores) r();
  };
}
