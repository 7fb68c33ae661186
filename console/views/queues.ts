/** View 5: every queue and DLQ (depth, oldest message); a DLQ's messages (redacted) with replay one / all. */
import { html } from "hono/html";
import type { DlqMessage, QueueRow } from "../query.ts";
import { type Html, type ViewContext, actionForm, layout } from "./layout.ts";

export function queuesView(ctx: ViewContext, rows: readonly QueueRow[]): Html {
  const t = ctx.t;
  const body = html`<table id="queues"><thead><tr><th scope="col">${t("queue")}</th><th scope="col">${t("visible")}</th><th scope="col">${t("inFlight")}</th><th scope="col">delayed</th><th scope="col">${t("oldest")}</th><th scope="col">${t("dlqOf")}</th></tr></thead><tbody>
${rows.map((q) => {
  const source = rows.find((s) => s.dlqOf === q.logicalId);
  return html`<tr${q.isDlq && q.visible + q.inFlight > 0 ? html` class="failed"` : ""}><td>${q.isDlq ? html`<a href="/queues/${q.logicalId}">${q.logicalId}</a>` : q.logicalId}<br><small>${q.name}</small></td><td>${q.visible}</td><td>${q.inFlight}</td><td>${q.delayed}</td><td>${q.oldestAgeSeconds ?? (ctx.mode === "aws" ? "CloudWatch" : "—")}</td><td>${source?.logicalId ?? ""}</td></tr>`;
})}</tbody></table>
${ctx.mode === "aws" ? html`<p>Age of the oldest message: CloudWatch metric ApproximateAgeOfOldestMessage (not readable through the SQS API).</p>` : ""}`;
  return layout(ctx, t("queues"), body);
}

export function dlqView(ctx: ViewContext, q: QueueRow, source: string | undefined, messages: readonly DlqMessage[]): Html {
  const t = ctx.t;
  const body = html`<p><a href="/queues">${t("back")}</a> · ${t("dlqOf")}: ${source ?? "—"}</p>
${messages.length > 0 ? actionForm(ctx, `/actions/queues/${q.logicalId}/replay`, `${t("replayAll")} (${messages.length})`) : ""}
${ctx.mode === "aws" ? html`<p>Reading a DLQ in AWS receives its messages with visibility timeout 0: each read adds one to their receive count.</p>` : ""}
${
  messages.length === 0
    ? html`<p>${t("none")}</p>`
    : messages.map(
        (m) => html`<section class="dlq-message" id="${m.messageId}" aria-label="${m.messageId}">
<h2>${m.type ?? "message"} · ${m.customerId ?? ""}</h2>
<dl><dt>SQS id</dt><dd>${m.messageId}</dd><dt>envelope</dt><dd>${m.envelopeId ?? "—"}</dd><dt>${t("receives")}</dt><dd>${m.receiveCount}</dd><dt>${t("at")}</dt><dd>${m.sentAt}</dd><dt>${t("reason")}</dt><dd class="failure-reason">${m.reason}${m.failure ? html` <small>(${m.failure.queue}, ${m.failure.at}, ${t("receives")} ${m.failure.receiveCount})</small>` : ""}</dd></dl>
<details><summary>body (redacted)</summary><pre>${m.body}</pre></details>
${actionForm(ctx, `/actions/queues/${q.logicalId}/replay`, t("replay"), { messageId: m.messageId })}
</section>`,
      )
}`;
  return layout(ctx, `${t("queues")}: ${q.logicalId}`, body);
}
