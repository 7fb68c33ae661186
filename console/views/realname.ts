/** View 4: real-name applications by state; redacted history, review result, documents by role/type (never inline). */
import { html } from "hono/html";
import type { ApplicationRow } from "../query.ts";
import { APPLICATION_STATES } from "../../shared/realname/state.ts";
import { type Html, type ViewContext, actionForm, filterForm, layout, pager, paginate, select, textInput, withQuery } from "./layout.ts";

export function realnameView(ctx: ViewContext, all: readonly ApplicationRow[]): Html {
  const t = ctx.t;
  const state = ctx.query.get("state") ?? "";
  const customer = (ctx.query.get("customer") ?? "").trim();
  const rows = all.filter((a) => (!state || a.state === state) && (!customer || a.customerId.includes(customer)));
  const p = paginate(rows, ctx.query);
  const counts = APPLICATION_STATES.map((s) => [s, all.filter((a) => a.state === s).length] as const).filter(([, n]) => n > 0);
  const body = html`
<p>${counts.map(([s, n]) => html`<a href="${withQuery("/realname", new URLSearchParams(), { state: s })}">${s}</a>: ${n} · `)}</p>
${filterForm(ctx, "/realname", [select("state", t("state"), state, [["", t("any")], ...APPLICATION_STATES.map((s) => [s, s] as const)]), textInput("customer", t("customer"), customer)])}
${pager(ctx, "/realname", p, rows.length)}
${
  p.items.length === 0
    ? html`<p>${t("none")}</p>`
    : html`<table id="applications"><thead><tr><th scope="col">ID</th><th scope="col">${t("customer")}</th><th scope="col">${t("type")}</th><th scope="col">${t("state")}</th><th scope="col">${t("attempts")}</th><th scope="col">${t("at")}</th><th scope="col">${t("flagged")}</th></tr></thead><tbody>
${p.items.map(
  (a) => html`<tr><td><a href="/realname/${a.id}">${a.id}</a></td><td>${a.customerId}</td><td>${a.type}</td><td><span class="badge ${a.state.startsWith("failed") ? "failed" : ""}">${a.state}</span></td><td>${a.submitAttempts}</td><td>${a.updatedAt}</td><td>${a.flagged ?? ""}</td></tr>`,
)}</tbody></table>`
}`;
  return layout(ctx, t("realname"), body);
}

export function applicationView(ctx: ViewContext, a: ApplicationRow): Html {
  const t = ctx.t;
  // Only a submission that may be stuck; failed_config and other final states need a fix, not a retry.
  const retryable = a.state === "validated" || a.state === "submitting";
  const body = html`<p><a href="/realname">${t("back")}</a></p>
<dl>
<dt>${t("customer")}</dt><dd>${a.customerId}</dd><dt>${t("type")}</dt><dd>${a.type} (${a.mode})</dd>
<dt>${t("state")}</dt><dd id="app-state">${a.state}</dd><dt>${t("attempts")}</dt><dd>${a.submitAttempts}</dd>
<dt>${t("review")}</dt><dd>${a.isReview === 1 ? "manual review" : a.isReview === 0 ? "no manual review" : "—"}${a.opinion ? html` · ${a.opinion}` : ""}</dd>
${a.failure ? html`<dt>${t("reason")}</dt><dd>${a.failure.code} (${a.failure.disposition}): ${a.failure.message}${a.failure.operatorAction ? html`<br>${a.failure.operatorAction}` : ""}</dd>` : ""}
${a.work ? html`<dt>next work</dt><dd>${a.work} @ ${a.dueAt ? new Date(a.dueAt).toISOString() : ""}</dd>` : ""}
<dt>${t("flagged")}</dt><dd id="app-flag">${a.flagged ?? "—"}</dd>
</dl>
<h2>${t("documents")}</h2>
${a.documentsPurged ? html`<p>purged after the retention period</p>` : ""}
${a.documents.length ? html`<table><thead><tr><th scope="col">#</th><th scope="col">${t("role")}</th><th scope="col">${t("type")}</th><th scope="col">${t("size")}</th></tr></thead><tbody>${a.documents.map((d) => html`<tr><td>${d.position}</td><td>${d.role}</td><td>${d.type}</td><td>${d.size}</td></tr>`)}</tbody></table>` : html`<p>—</p>`}
<h2>${t("history")}</h2>
<table id="history"><thead><tr><th scope="col">${t("at")}</th><th scope="col">actor</th><th scope="col">event</th><th scope="col">${t("state")}</th><th scope="col">${t("detail")}</th></tr></thead><tbody>
${a.history.map((h) => html`<tr><td>${h.at}</td><td>${h.actor}</td><td>${h.event}</td><td>${h.from ?? "∅"} → ${h.to}</td><td>${h.detail ?? ""}</td></tr>`)}</tbody></table>
${retryable ? actionForm(ctx, "/actions/realname/retry", t("retry"), { id: a.id }) : ""}
${actionForm(ctx, "/actions/realname/flag", t("flag"), { id: a.id }, html`<label>${t("note")} <input name="note" maxlength="200"></label>`)}`;
  return layout(ctx, `${t("realname")}: ${a.id}`, body);
}
