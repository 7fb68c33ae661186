/**
 * Captures everything this process prints: process.stdout/stderr writes (Powertools loggers, the
 * engine's logger, the sandbox's log lines), every console method (vitest replaces `console` with
 * its own, which does not go through process.stdout) and fs.write/fs.writeSync on descriptors 1
 * and 2. Nothing is printed unless `echo` (or PARTNER_OPS_TEST_ECHO=1). Used by the log-scan test.
 */
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { format } from "node:util";

export interface OutputCapture {
  /** Everything captured so far. */
  text(): string;
  /** Position to pass to `since`. */
  mark(): number;
  /** What was captured after `mark()`. */
  since(mark: number): string;
  restore(): void;
}

const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug", "trace", "dir", "dirxml", "table", "group", "groupCollapsed", "assert", "count", "timeLog"] as const;

/** Byte chunks are kept both as UTF-8 (names) and as latin1 (any byte sequence, e.g. file contents). */
function chunkText(chunk: unknown): string {
  if (typeof chunk === "string") return chunk;
  if (chunk instanceof Uint8Array) {
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    return `${b.toString("utf8")}\n${b.toString("latin1")}`;
  }
  return String(chunk);
}

export function captureOutput(options: { echo?: boolean } = {}): OutputCapture {
  const parts: string[] = [];
  let length = 0;
  const push = (s: string) => {
    parts.push(s);
    length += s.length;
  };
  const echo = options.echo ?? Boolean(process.env["PARTNER_OPS_TEST_ECHO"]);

  const streams = [process.stdout, process.stderr] as const;
  const originalWrites = streams.map((s) => s.write);
  for (const [i, stream] of streams.entries()) {
    const original = originalWrites[i]!;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      push(chunkText(chunk));
      if (echo) return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
      const cb = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      if (cb) queueMicrotask(cb);
      return true;
    }) as typeof stream.write;
  }

  // Writes straight to the file descriptors (e.g. pino/sonic-boom destinations) bypass process.stdout.
  const fsMut = fs as unknown as Record<"writeSync" | "write", (...a: unknown[]) => unknown>;
  const originalFs = { writeSync: fsMut.writeSync, write: fsMut.write };
  for (const name of ["writeSync", "write"] as const) {
    const original = originalFs[name];
    fsMut[name] = (fd: unknown, data: unknown, ...rest: unknown[]) => {
      if (fd === 1 || fd === 2) {
        push(chunkText(data));
        if (!echo) {
          const cb = rest.find((r) => typeof r === "function") as ((e: null, n: number) => void) | undefined;
          const n = typeof data === "string" ? Buffer.byteLength(data) : (data as Uint8Array).byteLength;
          if (cb) queueMicrotask(() => cb(null, n));
          return name === "writeSync" ? n : undefined;
        }
      }
      return original.call(fs, fd, data, ...rest);
    };
  }
  syncBuiltinESMExports(); // `import { writeSync } from "node:fs"` sees the wrapper too

  const con = console as unknown as Record<string, (...a: unknown[]) => void>;
  const originalConsole = new Map<string, (...a: unknown[]) => void>();
  for (const m of CONSOLE_METHODS) {
    const original = con[m];
    if (typeof original !== "function") continue;
    originalConsole.set(m, original);
    con[m] = (...args: unknown[]) => {
      push(`${format(...args)}\n`);
      if (echo) original.apply(console, args);
    };
  }

  return {
    text: () => parts.join(""),
    mark: () => length,
    since: (mark) => parts.join("").slice(mark),
    restore() {
      for (const [i, stream] of streams.entries()) stream.write = originalWrites[i]!;
      for (const [m, f] of originalConsole) con[m] = f;
      fsMut.writeSync = originalFs.writeSync;
      fsMut.write = originalFs.write;
      syncBuiltinESMExports();
    },
  };
}
