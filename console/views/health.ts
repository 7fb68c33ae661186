/** View 6: last scheduler run, last scan per customer, queue totals, the configuration in force (secrets as set/unset). */
import { html } from "hono/html";
import { SECRET_NAMES } from "../../shared/config/index.ts";
import { isSensitiveKey } from "../../shared/log/redact.ts";
import type { HealthData } from "../query.ts";
import type { ConsoleSources } from "../sources.ts";
import { type Html, type ViewContext, layout, pager, paginate } from "./layout.ts";

const SECRET_SET = new Set<string>(SECRET_NAMES);

/** A variable as the console may show it: secrets and secret references only as set/unset. */
export function shownValue(name: string, value: string | undefined): { secret: boolean; value: string | undefined } {
  if (SECRET_SET.has(name) || name.endsWith("_REF") || isSensitiveKey(name)) return { secret: true, value: undefined };
  return { secret: false, value };
}

export function healthView(ctx: ViewContext, sources: ConsoleSources, data: HealthData, queueTotals: { queues: number; dlqMessages: number }): Html {
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
<p>BSS calls, retries and throttles per operation: see the functions' metrics (CloudWatch / the log's metric lines); the console does not count them.</p>
<h2>${t("lastScans")}</h2>
${pager(ctx, "/health", p, data.scans.length)}
<table id="scans"><thead><tr><th scope="col">${t("customer")}</th><th scope="col">run</th><th scope="col">${t("scannedAt")}</th><th scope="col">${t("resources")}</th><th scope="col">${t("reminders")}</th></tr></thead><tbody>
${p.items.map((s) => html`<tr><td>${s.item.customerId}</td><td>${s.item.runDate}</td><td>${s.item.scannedAt}</td><td>${s.item.resources.length}</td><td>${s.reminders}</td></tr>`)}</tbody></table>
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
