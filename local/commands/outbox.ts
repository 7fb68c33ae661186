/**
 * `partner-ops outbox [<n | file>]`: the e-mails the local engine sent (renewal reminders, digests,
 * auto-renew reports), as written to <data-dir>/outbox/<run-date>/<id>.eml.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { simpleParser, type AddressObject } from "mailparser";
import type { Command } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { OUTBOX_DIR, listOutbox, type OutboxEntry } from "../engine/outbox.ts";
import { parseOptions } from "./args.ts";

const usage = `Usage: partner-ops outbox [--data-dir D] [--json] [--limit N]
       partner-ops outbox <n | file> [--data-dir D] [--raw]

Without an argument: lists the e-mails in <data-dir>/outbox (default .partner-ops/outbox), newest
first, numbered, with date folder, recipients and subject. With a number from that list (1 = newest)
or a file name: prints that e-mail (headers and text part; --raw prints the .eml as stored).

  --json      the list as one JSON document on stdout
  --limit N   list at most N e-mails (default 20)`;

const addresses = (a: AddressObject | AddressObject[] | undefined) => (a === undefined ? "" : (Array.isArray(a) ? a : [a]).map((x) => x.text).join(", "));

async function summary(e: OutboxEntry) {
  const m = await simpleParser(await readFile(e.path));
  return { n: 0, file: e.rel, to: addresses(m.to), subject: m.subject ?? "", date: m.date?.toISOString() ?? e.modified.toISOString(), bytes: e.bytes };
}

export const command: Command = {
  name: "outbox",
  summary: "list or print the e-mails the local engine sent (<data-dir>/outbox)",
  usage,
  async run(argv, io) {
    const args = parseOptions(argv, { values: ["data-dir", "limit"], flags: ["json", "raw"] });
    if (args.positional.length > 1) throw new UsageError(`unexpected argument "${args.positional[1]}"`);
    const dir = join(resolve(args.values.get("data-dir") ?? ".partner-ops"), OUTBOX_DIR);
    const entries = await listOutbox(dir);
    const which = args.positional[0];
    if (which === undefined) {
      const limit = Number(args.values.get("limit") ?? 20);
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError("--limit must be a positive integer");
      const rows = await Promise.all(entries.slice(0, limit).map(summary));
      rows.forEach((r, i) => (r.n = i + 1));
      if (args.flags.has("json")) {
        io.stdout.write(`${JSON.stringify({ dir, total: entries.length, emails: rows }, null, 2)}\n`);
        return 0;
      }
      if (entries.length === 0) {
        io.stdout.write(`no e-mails in ${dir} yet (the engine writes one per reminder it sends with npm start)\n`);
        return 0;
      }
      io.stdout.write(`${entries.length} e-mail(s) in ${dir}${entries.length > rows.length ? ` (newest ${rows.length} shown)` : ""}\n`);
      for (const r of rows) io.stdout.write(`${String(r.n).padStart(3)}  ${r.file}\n     to ${r.to || "(nobody)"} — ${r.subject}\n`);
      io.stdout.write(`\npartner-ops outbox <n> prints one\n`);
      return 0;
    }
    const entry = /^\d+$/.test(which) ? entries[Number(which) - 1] : entries.find((e) => e.rel === which || e.rel.endsWith(`/${which}`) || e.path === resolve(which));
    if (!entry) throw new UsageError(`no e-mail "${which}" in ${dir} (${entries.length} there; run partner-ops outbox to list them)`);
    const raw = await readFile(entry.path);
    if (args.flags.has("raw")) {
      io.stdout.write(raw);
      return 0;
    }
    const m = await simpleParser(raw);
    const head = [`File:    ${entry.path}`, `From:    ${addresses(m.from)}`, `To:      ${addresses(m.to)}`];
    if (m.cc) head.push(`Cc:      ${addresses(m.cc)}`);
    head.push(`Date:    ${m.date?.toISOString() ?? "-"}`, `Subject: ${m.subject ?? ""}`);
    io.stdout.write(`${head.join("\n")}\n\n${(m.text ?? "(no text part)").trimEnd()}\n`);
    return 0;
  },
};
