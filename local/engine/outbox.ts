/**
 * The local e-mail outbox on disk. Functions that send e-mail locally (RENEWAL_EMAIL_TRANSPORT=outbox)
 * store each raw message as an object `<prefix><run-date>/<id>.eml` in their bucket; the engine also
 * writes it as a plain file `<data-dir>/outbox/<run-date>/<id>.eml` (mode 0600), which any mail client
 * opens and `partner-ops outbox` lists and prints.
 */
import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export const OUTBOX_DIR = "outbox";

export interface OutboxSource {
  bucket: string;
  prefix: string;
}

/**
 * The file (relative to the outbox directory) for an object, or undefined when the object is not an
 * outbox message. Only plain path segments (no "..", no hidden names): the key comes from a function. Pure.
 */
export function outboxFileFor(sources: readonly OutboxSource[], bucket: string, key: string): string | undefined {
  const src = sources.find((s) => s.bucket === bucket && key.startsWith(s.prefix));
  if (!src || !key.endsWith(".eml")) return undefined;
  const rel = key.slice(src.prefix.length);
  const parts = rel.split("/");
  if (parts.length > 4 || parts.some((p) => !/^[A-Za-z0-9_][A-Za-z0-9_.@+-]{0,199}$/.test(p))) return undefined;
  return parts.join("/");
}

/** Writes one message under `dir` (directories 0700, the file 0600); returns its path. */
export async function writeOutboxFile(dir: string, rel: string, raw: Uint8Array): Promise<string> {
  const file = join(dir, rel);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, raw, { mode: 0o600 });
  return file;
}

export interface OutboxEntry {
  /** Path relative to the outbox directory, e.g. `2026-12-06/<id>.eml`. */
  rel: string;
  path: string;
  bytes: number;
  modified: Date;
}

/** Every .eml file under `dir`, newest first. */
export async function listOutbox(dir: string): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  const walk = async (sub: string, depth: number) => {
    let names: string[];
    try {
      names = await readdir(join(dir, sub));
    } catch {
      return;
    }
    for (const name of names) {
      const rel = sub ? `${sub}/${name}` : name;
      const st = await stat(join(dir, rel));
      if (st.isDirectory() && depth < 4) await walk(rel, depth + 1);
      else if (st.isFile() && name.endsWith(".eml")) out.push({ rel, path: join(dir, rel), bytes: st.size, modified: st.mtime });
    }
  };
  await walk("", 0);
  return out.sort((a, b) => b.modified.getTime() - a.modified.getTime() || b.rel.localeCompare(a.rel));
}
