/** The start-up banner of `npm start`. Pure. */

export interface BannerInfo {
  service: string;
  stage: string;
  serviceFile: string;
  dataDir: string | undefined;
  http: string | undefined;
  routes: { method: string; path: string; fn: string }[];
  smtp: { host: string; port: number; recipients: string[] } | undefined;
  queues: { name: string; dlq: string | undefined; maxReceiveCount: number | undefined; consumers: string[] }[];
  schedules: { fn: string; expression: string; next: string | undefined }[];
  s3: { fn: string; bucket: string; filter: string }[];
  /** `standalone`: HWC_ENDPOINT points at a `partner-ops sandbox` the engine did not start. */
  bss: { mode: "sandbox"; url: string; standalone?: boolean } | { mode: "real"; endpoint: string } | { mode: "none"; reason: string };
  buckets?: { name: string; logicalId: string }[];
  tables?: { name: string; logicalId: string }[];
  /** Where local e-mails are written as files (undefined in memory). */
  outbox?: { dir: string | undefined; buckets: string[] };
  aws: { sqsS3: string; dynamodb: string };
  functions: { name: string; events: string[]; loaded: boolean; error?: string }[];
  warnings: string[];
}

export function formatBanner(b: BannerInfo): string {
  const lines: string[] = [];
  const rule = "─".repeat(72);
  lines.push(rule, `partner-ops engine — ${b.service} (stage ${b.stage})`, rule);
  lines.push(`  service file   ${b.serviceFile}`);
  lines.push(`  data dir       ${b.dataDir ?? "(in memory: nothing survives a restart)"}`);
  lines.push(`  webhooks       ${b.http ? `${b.http}` : "(off)"}`);
  for (const r of b.routes) lines.push(`                   ${r.method.padEnd(6)} ${b.http ?? ""}${r.path === "*" ? "/*" : r.path}  → ${r.fn}`);
  lines.push(`  SMTP ingress   ${b.smtp ? `${b.smtp.host}:${b.smtp.port} for ${b.smtp.recipients.join(", ") || "any recipient"}` : "(off: no SES receipt rule)"}`);
  const bss =
    b.bss.mode === "sandbox"
      ? `sandbox at ${b.bss.url} (${b.bss.standalone ? "a partner-ops sandbox named by HWC_ENDPOINT" : "no Huawei credentials configured"})`
      : b.bss.mode === "real" ? `REAL Huawei Cloud at ${b.bss.endpoint}` : `none (${b.bss.reason})`;
  lines.push(`  BSS            ${bss}`);
  lines.push(`  SQS + S3       ${b.aws.sqsS3} (fauxqs)    DynamoDB ${b.aws.dynamodb} (dynalite)`);
  if (b.buckets?.length) lines.push(`  buckets        ${b.buckets.map((x) => `${x.name} (${x.logicalId})`).join("\n                 ")}`);
  if (b.tables?.length) lines.push(`  tables         ${b.tables.map((x) => `${x.name} (${x.logicalId})`).join("\n                 ")}`);
  if (b.outbox && b.outbox.buckets.length) {
    lines.push(
      `  e-mail outbox  ${b.outbox.dir ? `${b.outbox.dir}/<date>/*.eml (partner-ops outbox lists them)` : "(in memory: only as objects)"}, also s3://${b.outbox.buckets.join(", s3://")}`,
    );
  }
  lines.push(`  queues`);
  if (b.queues.length === 0) lines.push("                 (none)");
  for (const q of b.queues) {
    const dlq = q.dlq ? ` → DLQ ${q.dlq} after ${q.maxReceiveCount} receives` : "";
    lines.push(`                 ${q.name}${dlq}${q.consumers.length ? `  ⇒ ${q.consumers.join(", ")}` : ""}`);
  }
  if (b.schedules.length) {
    lines.push("  schedules");
    for (const s of b.schedules) lines.push(`                 ${s.expression.padEnd(28)} → ${s.fn}${s.next ? `  (next ${s.next})` : ""}`);
  }
  if (b.s3.length) {
    lines.push("  S3 triggers");
    for (const s of b.s3) lines.push(`                 s3://${s.bucket}/${s.filter} → ${s.fn}`);
  }
  lines.push("  functions");
  for (const f of b.functions) {
    lines.push(`                 ${f.name.padEnd(22)} ${f.events.join(", ") || "(invoke only)"}${f.loaded ? "" : `  ✗ ${f.error ?? "not loaded"}`}`);
  }
  for (const w of b.warnings) lines.push(`  warning        ${w}`);
  lines.push(rule, "Ctrl-C stops polling, finishes the work in flight and exits.", "");
  return lines.join("\n");
}
