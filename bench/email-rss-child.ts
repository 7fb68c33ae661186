/**
 * Child process for bench/email.ts: read one message file, process it, print the peak RSS.
 * Usage: node bench/email-rss-child.ts <read|intake|bare> <file> [module]
 * `module` is the intake module to load (default ../shared/email/index.ts; the bench also passes an
 * esbuild bundle of it, the form the function is deployed in).
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [mode, file, modulePath] = process.argv.slice(2);
const mod = (await import(modulePath ? pathToFileURL(modulePath).href : "../shared/email/index.ts")) as typeof import("../shared/email/index.ts") & {
  simpleParser?: typeof import("mailparser").simpleParser;
};
const raw = readFileSync(file!);
let info: Record<string, unknown> = { bytes: raw.length };
if (mode === "intake") {
  const r = await mod.parseInvoiceEmail(raw, { internalDomains: ["shilicloud.example"] });
  info = { ...info, kind: r.notice.kind, attachments: r.attachments.length, quarantine: r.quarantine?.reason ?? null };
} else if (mode === "bare") {
  const simpleParser = mod.simpleParser ?? (await import("mailparser")).simpleParser;
  const m = await simpleParser(raw);
  info = { ...info, attachments: m.attachments.length };
}
process.stdout.write(JSON.stringify({ ...info, maxRssKb: process.resourceUsage().maxRSS }));
