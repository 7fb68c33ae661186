/** View 2: reminder deliveries per day and channel (sent / pending from the ledger, failed = RenewalNotifyDLQ), the outbox. */
import { html } from "hono/html";
import type { ObjectSummary } from "../../shared/storage/index.ts";
import type { DeliveryRow, DlqMessage } from "../query.ts";
import { type Html, type ViewContext, actionForm, filterForm, layout, pager, paginate, select, textInput, withQuery } from "./layout.ts";

export interface DigestRow {
  manager: string;
  date: string;
  status: string;
  reminders: number | undefined;
  at: string | undefined;
}

export function deliveriesView(ctx: ViewContext, all: readonly DeliveryRow[], failed: readonly DlqMessage[], outbox: readonly ObjectSummary[], digestRows: readonly DigestRow[]): Html {
  const t = ctx.t;
  const day = ctx.query.get("day") ?? "";
  const channel = ctx.query.get("channel") ?? "";
  const status = ctx.query.get("status") ?? "";
  const customer = (ctx.query.get("customer") ?? "").trim();
  const days = [...new Set(all.map((d) => d.day))].sort().reverse();
  const channels = [...new Set(all.map((d) => d.channel.split(" ")[0]!))].sort();
  const rows = all.filter(
    (d) => (!day || d.day === day) && (!channel || d.channel.startsWith(`${channel} `)) && (!status || d.status === status) && (!customer || d.customerId.includes(customer)),
  );
  const p = paginate(rows, ctx.query);
  const body = html`
${filterForm(ctx, "/deliveries", [
  select("day", t("day"), day, [["", t("any")], ...days.map((d) => [d, d] as const)]),
  select("channel", t("channel"), channel, [["", t("any")], ...channels.map((c) => [c, c] as const)]),
  select("status", t("status"), status, [["", t("any")], ["sent", t("sent")], ["pending", t("pending")]]),
  textInput("customer", t("customer"), customer),
])}
<h2 id="failed">${t("failedMessages")} (${failed.length})</h2>
${
  failed.length === 0
    ? html`<p>${t("none")}</p>`
    : html`<table><thead><tr><th scope="col">${t("customer")}</th><th scope="col">${t("at")}</th><th scope="col">${t("receives")}</th><th scope="col">${t("reason")}</th><th scope="col"></th></tr></thead><tbody>
${failed.map(
  (m) => html`<tr class="failed-row"><td>${m.customerId ?? "?"}</td><td>${m.sentAt}</td><td>${m.receiveCount}</td><td>${m.reason} <a href="/queues/RenewalNotifyDLQ#${m.messageId}">${t("detail")}</a></td>
<td>${actionForm(ctx, "/actions/resend", t("resend"), { messageId: m.messageId })}</td></tr>`,
)}</tbody></table>`
}
<h2>${t("sent")} / ${t("pending")} (${rows.length})</h2>
${pager(ctx, "/deliveries", p, rows.length)}
${
  p.items.length === 0
    ? html`<p>${t("none")}</p>`
    : html`<table id="deliveries"><thead><tr><th scope="col">${t("day")}</th><th scope="col">${t("customer")}</th><th scope="col">${t("resource")}</th><th scope="col">${t("window")}</th><th scope="col">${t("channel")}</th><th scope="col">${t("status")}</th><th scope="col">${t("at")}</th></tr></thead><tbody>
${p.items.map(
  (d) => html`<tr><td>${d.day}</td><td><a href="${withQuery("/calendar", new URLSearchParams(), { customer: d.customerId })}">${d.customerId}</a></td><td>${d.resourceId}</td><td>${d.window}</td><td>${d.channel}</td><td><span class="badge ${d.status}">${t(d.status)}</span></td><td>${d.at ?? ""}</td></tr>`,
)}</tbody></table>`
}
<h2 id="digests">Digests (${digestRows.filter((d) => !day || d.date === day).length})</h2>
${(() => {
  const shown = digestRows.filter((d) => !day || d.date === day).slice(0, 200);
  return shown.length === 0
    ? html`<p>${t("none")}</p>`
    : html`<table id="digest-list"><thead><tr><th scope="col">${t("day")}</th><th scope="col">${t("manager")} (key)</th><th scope="col">${t("reminders")}</th><th scope="col">${t("status")}</th><th scope="col">${t("at")}</th></tr></thead><tbody>
${shown.map((d) => html`<tr><td>${d.date}</td><td><code>${d.manager}</code></td><td>${d.reminders ?? ""}</td><td><span class="badge ${d.status}">${t(d.status === "sent" ? "sent" : "pending")}</span></td><td>${d.at ?? ""}</td></tr>`)}</tbody></table>`;
})()}
<h2 id="outbox">${t("outbox")} (${outbox.length})</h2>
${
  outbox.length === 0
    ? html`<p>${ctx.mode === "aws" ? "SES keeps no copy of sent e-mails; the outbox exists only with renewalEmailTransport=outbox." : t("none")}</p>`
    : html`<table id="outbox-list"><thead><tr><th scope="col">${t("at")}</th><th scope="col">${t("open")}</th><th scope="col">${t("size")}</th></tr></thead><tbody>
${outbox.slice(0, 200).map((o) => html`<tr><td>${o.lastModified?.toISOString() ?? ""}</td><td><a href="${withQuery("/deliveries/message", new URLSearchParams(), { key: o.key })}">${o.key}</a></td><td>${o.size}</td></tr>`)}</tbody></table>`
}`;
  return layout(ctx, t("deliveries"), body);
}

export function messageView(ctx: ViewContext, key: string, m: { subject: string; date: string; text: string; reminderKeys: string[] }): Html {
  return layout(
    ctx,
    m.subject || key,
    html`<p><a href="/deliveries#outbox">${ctx.t("back")}</a></p>
<dl><dt>${ctx.t("at")}</dt><dd>${m.date}</dd><dt>Key</dt><dd>${key}</dd><dt>${ctx.t("reminders")}</dt><dd>${m.reminderKeys.length}</dd></dl>
<h2>${ctx.t("subject")}: ${m.subject}</h2>
<pre id="message-text">${m.text}</pre>`,
  );
}
