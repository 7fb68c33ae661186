/**
 * partner-ops parse-email [options] <file.eml | ->
 * Prints the schema-v1 JSON of one message on stdout. Exit 0 for every kind (invoice-notice,
 * not-invoice, rejected — quarantined messages included); 1 only when the file cannot be read.
 */
import { readFile } from "node:fs/promises";
import type { Command, CommandIO } from "../cli.ts";
import { UsageError } from "../cli.ts";
import { parseInvoiceEmail, resolveEmailConfig, type EmailIntakeConfigInput } from "../../shared/email/index.ts";

const usage = `Usage: partner-ops parse-email [options] <file.eml | ->

Parses one raw e-mail (RFC 5322) and prints the invoicing notice it contains as schema-v1 JSON.

Options:
  --internal-domains a,b   the partner's own domains (a forwarded notice from them is accepted)
  --huawei-domains a,b     replace the Huawei allow-list (default huaweicloud.com,huawei.com)
  --config FILE            JSON file with further settings (labels, keywords, limits, …)
  --details                print {notice, quarantine, findings, messageId, contentHash, attachments}
                           instead of the bare notice (attachment bytes are never printed)
  -                        read the message from stdin`;

const domainList = (v: string) =>
  v
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

async function readStdin(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export const command: Command = {
  name: "parse-email",
  summary: "print the schema-v1 invoicing notice of a raw .eml file",
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    let file: string | undefined;
    let details = false;
    let configFile: string | undefined;
    const overrides: Record<string, unknown> = {};
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
      const value = () => {
        const v = inline ?? argv[++i];
        if (v === undefined || (inline === undefined && v.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
        return v;
      };
      if (flag === "--internal-domains") overrides["internalDomains"] = domainList(value());
      else if (flag === "--huawei-domains") overrides["huaweiDomains"] = domainList(value());
      else if (flag === "--config") configFile = value();
      else if (flag === "--details") details = true;
      else if (a === "-" || !a.startsWith("-")) {
        if (file !== undefined) throw new UsageError(`one message at a time (got "${file}" and "${a}")`);
        file = a;
      } else throw new UsageError(`unknown option ${a}`);
    }
    if (file === undefined) throw new UsageError("name the .eml file to parse (or - for stdin)");

    let base: Record<string, unknown> = {};
    if (configFile !== undefined) {
      try {
        base = JSON.parse(await readFile(configFile, "utf8")) as Record<string, unknown>;
      } catch (err) {
        throw new UsageError(`cannot use --config ${configFile}: ${(err as Error).message}`);
      }
    }
    const config = resolveEmailConfig({ ...base, ...overrides } as EmailIntakeConfigInput);

    let raw: Buffer;
    try {
      raw = file === "-" ? await readStdin(io.stdin) : await readFile(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === "ENOENT" ? "no such file" : e.code === "EISDIR" ? "is a directory" : e.code === "EACCES" ? "permission denied" : e.message;
      io.stderr.write(`partner-ops parse-email: cannot read ${file}: ${why}\n`);
      return 1;
    }

    const result = await parseInvoiceEmail(raw, config);
    const out = details
      ? {
          notice: result.notice,
          quarantine: result.quarantine,
          findings: result.findings,
          messageId: result.messageId,
          contentHash: result.contentHash,
          idempotencyKey: result.idempotencyKey,
          attachments: result.attachments.map(({ content: _content, ...meta }) => meta),
        }
      : result.notice;
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};
