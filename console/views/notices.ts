/** View 3: invoice notices by kind, with fields, reasons, downloads; reprocess a quarantined message. */
import { html } from "hono/html";
import type { NoticeRow } from "../query.ts";
import { type Html, type ViewContext, actionForm, filterForm, layout, pager, paginate, select, withQuery } from "./layout.ts";

export const NOTICE_FILTERS = ["invoice-notice", "needs-review", "rejected", "quarantined", "not-invoice", "duplicate"] as const;

function matches(n: NoticeRow, kind: string): boolean {
  if (!kind) return true;
  if (kind === "quarantined") return n.quarantined;
  if (kind === "duplicate") return n.duplicateOf !== null;
  return n.kind === kind && !(kind === "rejected" && n.quarantined);
}

export function noticesView(ctx: ViewContext, all: readonly NoticeRow[]): Html {
  const t = ctx.t;
  const kind = ctx.query.get("kind") ?? "";
  const rows = all.filter((n) => matches(n, kind));
  const counts = NOTICE_FILTERS.map((k) => [k, all.filter((n) => matches(n, k)).length] as const);
  const p = paginate(rows, ctx.query);
  const body = html`
<p>${counts.map(([k, n]) => html`<a href="${withQuery("/notices", new URLSearchParams(), { kind: k })}">${k}</a>: ${n} · `)}</p>
${filterForm(ctx, "/notices", [select("kind", t("kind"), kind, [["", t("any")], ...NOTICE_FILTERS.map((k) => [k, k] as const)])])}
${pager(ctx, "/notices", p, rows.length)}
${
  p.items.length === 0
    ? html`<p>${t("none")}</p>`
    : html`<table id="notices"><thead><tr><th scope="col">${t("processedAt")}</th><th scope="col">${t("kind")}</th><th scope="col">${t("reasons")}</th><th scope="col">${t("source")}</th><th scope="col">${t("attachments")}</th></tr></thead><tbody>
${p.items.map(
  (n) => html`<tr><td>${n.processedAt}</td><td><a href="${withQuery("/notices/detail", new URLSearchParams(), { key: n.outcomeKey })}">${n.kind}</a>${n.quarantined ? html` <span class="badge failed">${t("quarantined")}</span>` : ""}${n.duplicateOf ? " (duplicate)" : ""}</td>
<td>${n.reasons.join(", ")}</td><td>${n.sourceKey}</td><td>${n.attachmentKeys.length}</td></tr>`,
)}</tbody></table>`
}`;
  return layout(ctx, t("notices"), body);
}

/** needs-review: the reasons are in the stored notice (`review.reasons`), not in the outcome record. */
function reviewReasons(fields: Record<string, unknown> | undefined): string[] {
  const reasons = (fields?.["review"] as { reasons?: unknown } | undefined)?.reasons;
  return Array.isArray(reasons) ? reasons.map((r) => (typeof r === "string" ? r : String((r as { code?: unknown })?.code ?? JSON.stringify(r)))) : [];
}

export function noticeDetailView(ctx: ViewContext, n: NoticeRow, fields: Record<string, unknown> | undefined): Html {
  const t = ctx.t;
  const dl = (key: string, label: string) => html`<a href="${withQuery("/notices/download", new URLSearchParams(), { key })}" download>${label}</a>`;
  const body = html`<p><a href="/notices">${t("back")}</a></p>
<dl>
<dt>${t("kind")}</dt><dd>${n.kind}${n.quarantined ? html` <span class="badge failed">${t("quarantined")}</span>` : ""}</dd>
<dt>${t("reasons")}</dt><dd>${[...n.reasons, ...reviewReasons(fields)].join(", ") || "—"}</dd>
<dt>${t("processedAt")}</dt><dd>${n.processedAt}</dd>
<dt>${t("source")}</dt><dd>${n.sourceKey} · ${n.sizeBytes} B · ${dl(n.sourceKey, t("download"))}</dd>
${n.quarantineKey ? html`<dt>${t("quarantined")}</dt><dd>${dl(n.quarantineKey, t("download"))}</dd>` : ""}
${n.duplicateOf ? html`<dt>duplicate of</dt><dd>${n.duplicateOf}</dd>` : ""}
</dl>
<h2>${t("findings")}</h2>
${n.findings.length ? html`<ul>${n.findings.map((f) => html`<li><code>${f.code}</code> ${f.detail ?? ""}</li>`)}</ul>` : html`<p>—</p>`}
<h2>${t("attachments")}</h2>
${n.attachmentKeys.length ? html`<ul>${n.attachmentKeys.map((k) => html`<li>${k.split("/").pop()} — ${dl(k, t("download"))}</li>`)}</ul>` : html`<p>—</p>`}
<h2>${t("fields")}</h2>
${fields ? html`<table id="fields"><tbody>${Object.entries(fields).filter(([, v]) => v === null || typeof v !== "object").map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${String(v)}</td></tr>`)}</tbody></table>` : html`<p>—</p>`}
${n.quarantined && n.quarantineKey ? actionForm(ctx, "/actions/reprocess", t("reprocess"), { noticeId: n.noticeId }) : ""}`;
  return layout(ctx, `${t("notices")}: ${n.noticeId}`, body);
}
