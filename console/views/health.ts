/** View 6: last scheduler run, last scan per customer, queue totals, the configuration in force (secrets as set/unset). */
import { html } from "hono/html";
import { SECRET_NAMES } from "../../shared/config/index.ts";
import { isSensitiveKey } from "../../shared/log/redact.ts";
import type { HealthData, MetricsView } from "../query.ts";
import type { ConsoleSources } from "../sources.ts";
import { type Html, type ViewContext, layout, pager, paginate } from "./layout.ts";

const SECRET_SET = new Set<string>(SECRET_NAMES);

/** A variable as the console may show it: secrets and secret references only as set/unset. */
export function shownValue(name: string, value: string | undefined): { secret: boolean; value: string | undefined } {
  if (SECRET_SET.has(name) || name.endsWith("_REF") || isSensitiveKey(name)) return { secret: true, value: undefined };
  return { secret: false, value };
}

/** "3 (expire_time: 2, status: 1)": how many records a scan skipped and which fields they lacked. */
export function skippedText(skipped: { n: number; f: Record<string, number> } | undefined): string {
  if (!skipped || skipped.n === 0) return "0";
  const fields = Object.entries(skipped.f)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k}: ${v}`);
  return fields.length > 0 ? `${skipped.n} (${fields.join(", ")})` : String(skipped.n);
}

/** The AWS console address of the stage's CloudWatch dashboard (local/build/ops-plugin.js names it). */
export function dashboardUrl(region: string, dashboard: string): string {
  const host = region.startsWith("cn-") ? "console.amazonaws.cn" : "console.aws.amazon.com";
  return `https://${host}/cloudwatch/home?region=${encodeURIComponent(region)}#dashboards:name=${encodeURIComponent(dashboard)}`;
}

function metricsSection(ctx: ViewContext, region: string, m: MetricsView): Html {
  const t = ctx.t;
  if (m.source === "cloudwatch") {
    return html`<p id="metrics-source">In AWS the functions' metrics (BSS calls, retries and throttles per operation, records skipped, reminders, notices, applications) are in CloudWatch, namespace ${m.namespace} (param metricsNamespace): see the dashboard <a href="${dashboardUrl(region, m.dashboard)}" rel="noreferrer">${m.dashboard}</a>. The console does not call CloudWatch.</p>`;
  }
  if (m.source === "none") return html`<p id="metrics-source">No metrics file: the engine runs without a data dir (--in-memory).</p>`;
  if (m.source === "missing") return html`<p id="metrics-source">No metrics yet (${m.path} is not written until a function has run).</p>`;
  if (m.source !== "file") return html`<p id="metrics-source">${m.path} is too large to read here; use <code>partner-ops metrics --file</code> on a part of it.</p>`;
  const x = m.metrics;
  return html`<p id="metrics-source">Summed from ${m.path} (the same figures as <code>partner-ops metrics</code>).</p>
<table id="bss-metrics"><thead><tr><th scope="col">${t("operation")}</th><th scope="col">${t("calls")}</th><th scope="col">${t("retries")}</th><th scope="col">${t("throttles")}</th></tr></thead><tbody>
${x.bss.length === 0 ? html`<tr><td colspan="4">${t("none")}</td></tr>` : x.bss.map((r) => html`<tr><td>${r.operation}</td><td>${r.calls}</td><td>${r.retries}</td><td>${r.throttles}</td></tr>`)}</tbody></table>
<p>${t("skipped")} (all scans): <span id="records-skipped">${x.recordsSkipped}</span></p>`;
}

export function healthView(ctx: ViewContext, sources: ConsoleSources, data: HealthData, queueTotals: { queues: number; dlqMessages: number }, metrics: MetricsView = { source: "none" }): Html {
  const t = ctx.t;
  const p = paginate(data.scans, ctx.query, 25);
  const bss = sources.bss;
  const bssText = bss.mode === "sandbox" ? `sandbox (${bss.url})` : bss.mode === "real" ? `REAL Huawei Cloud (${bss.endpoint})` : bss.mode === "none" ? `none (${bss.reason})` : "see the functions' HWC_ENDPOINT";
  const envs = sources.functionEnv ? sources.functions.map((fn) => [fn, sources.functionEnv!(fn)] as const) : [];
  const interesting = (k: string) => /^(HWC_|OBS_|WEBHOOK_|RENEWAL_|INVOICE_|REALNAME_|STAGE$|LOG_LEVEL|BSS_)/.test(k) || SECRET_SET.has(k);
  const body = html`
<dl id="health-summary">
<dt>${t("stage")}</dt><dd>${sources.stage} (${sources.mode}, ${sources.region})</dd>
<dt>${t("bss")}</dt><dd id="bss-mode">${bssText}</dd>
<dt>${t("lastRun")}</dt><dd id="last-run">${data.scheduler ? `${data.scheduler.runDate}: ${data.scheduler.customers} ${t("customersScheduled")} (${data.scheduler.done} published), ${data.scheduler.lastAt ?? ""}` : "—"}</dd>
<dt>${t("queues")}</dt><dd>${queueTotals.queues}; DLQ messages: ${queueTotals.dlqMessages}</dd>
<dt>${t("loadedIn")}</dt><dd>${Math.round(data.loadMs)} ms</dd>
</dl>
<h2>${t("bssMetrics")}</h2>
${metricsSection(ctx, sources.region, metrics)}
<h2>${t("lastScans")}</h2>
${pager(ctx, "/health", p, data.scans.length)}
<table id="scans"><thead><tr><th scope="col">${t("customer")}</th><th scope="col">run</th><th scope="col">${t("scannedAt")}</th><th scope="col">${t("resources")}</th><th scope="col">${t("reminders")}</th><th scope="col">${t("skipped")}</th></tr></thead><tbody>
${p.items.map((s) => html`<tr><td>${s.item.customerId}</td><td>${s.item.runDate}</td><td>${s.item.scannedAt}</td><td>${s.item.resources.length}</td><td>${s.reminders}</td><td>${skippedText(s.item.skipped)}</td></tr>`)}</tbody></table>
<h2>${t("config")}</h2>
${
  envs.length === 0
    ? html`<p>${sources.mode === "aws" ? "In AWS: `npx serverless info --stage " + sources.stage + " --verbose` and each function's configuration in the Lambda console (secrets are SSM references)." : "—"}</p>`
    : html`<table id="config"><thead><tr><th scope="col">${t("function")}</th><th scope="col">${t("variable")}</th><th scope="col">${t("value")}</th></tr></thead><tbody>
${envs.flatMap(([fn, env]) => {
  const names = [...new Set([...Object.keys(env).filter(interesting), ...SECRET_NAMES])].sort();
  return names.map((k) => {
    const v = shownValue(k, env[k]);
    return html`<tr><td>${fn}</td><td>${k}</td><td>${v.secret ? html`<span class="badge">${env[k] ? t("set") : t("unset")}</span>` : (v.value ?? "—")}</td></tr>`;
  });
})}</tbody></table>`
}`;
  return layout(ctx, t("health"), body);
}
