/** Page shell, pager and form helpers shared by the views (hono/html: every interpolation is escaped). */
import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { Lang, MessageKey } from "../i18n.ts";
import { MESSAGES } from "../i18n.ts";

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

export interface ViewContext {
  lang: Lang;
  t: (k: MessageKey) => string;
  stage: string;
  mode: "local" | "aws";
  allowActions: boolean;
  csrf: string;
  /** Current path + query, for the language switch. */
  path: string;
  query: URLSearchParams;
}

export function translator(lang: Lang): (k: MessageKey) => string {
  const m = MESSAGES[lang];
  return (k) => m[k];
}

const NAV: { href: string; key: MessageKey }[] = [
  { href: "/calendar", key: "calendar" },
  { href: "/deliveries", key: "deliveries" },
  { href: "/notices", key: "notices" },
  { href: "/realname", key: "realname" },
  { href: "/queues", key: "queues" },
  { href: "/health", key: "health" },
];

export function withQuery(path: string, query: URLSearchParams, changes: Record<string, string | undefined>): string {
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === "") q.delete(k);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function layout(ctx: ViewContext, title: string, body: Html): Html {
  const other = ctx.lang === "zh" ? "en" : "zh";
  const [pathOnly] = ctx.path.split("?");
  return html`<!doctype html>
<html lang="${ctx.lang === "zh" ? "zh-CN" : "en"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ${ctx.t("title")}</title>
<link rel="stylesheet" href="/static/console.css">
<script src="/static/console.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <strong>${ctx.t("title")}</strong>
  <span class="meta">${ctx.t("stage")}: ${ctx.stage} (${ctx.mode}) · ${ctx.allowActions ? ctx.t("actionsOn") : ctx.t("readOnly")}</span>
  <a class="lang" href="${withQuery(pathOnly ?? "/", ctx.query, { lang: other })}" hreflang="${other}">${ctx.t("language")}</a>
  <nav aria-label="main"><ul>${NAV.map((n) => html`<li><a href="${n.href}"${pathOnly === n.href ? html` aria-current="page"` : ""}>${ctx.t(n.key)}</a></li>`)}</ul></nav>
</header>
<main id="main">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

export const PAGE_SIZE = 50;

export function paginate<T>(rows: readonly T[], query: URLSearchParams, size = PAGE_SIZE): { items: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const page = Math.min(pages, Math.max(1, Number.parseInt(query.get("page") ?? "1", 10) || 1));
  return { items: rows.slice((page - 1) * size, page * size), page, pages };
}

export function pager(ctx: ViewContext, path: string, p: { page: number; pages: number }, total: number): Html {
  return html`<nav class="pager" aria-label="pages">
  ${p.page > 1 ? html`<a rel="prev" href="${withQuery(path, ctx.query, { page: String(p.page - 1) })}">${ctx.t("prev")}</a>` : ""}
  <span>${ctx.t("page")} ${p.page} ${ctx.t("of")} ${p.pages} · ${total} ${ctx.t("rows")}</span>
  ${p.page < p.pages ? html`<a rel="next" href="${withQuery(path, ctx.query, { page: String(p.page + 1) })}">${ctx.t("next")}</a>` : ""}
</nav>`;
}

/** A POST form for an action, with the CSRF token and a required confirmation box; nothing when actions are off. */
export function actionForm(ctx: ViewContext, action: string, label: string, fields: Record<string, string> = {}, extra: Html | string = ""): Html | string {
  if (!ctx.allowActions) return "";
  return html`<form method="post" action="${action}" class="action" data-confirm="${ctx.t("confirmPrompt")}">
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  ${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
  ${extra}
  <label><input type="checkbox" name="confirm" value="yes" required> ${ctx.t("confirm")}</label>
  <button type="submit">${label}</button>
</form>`;
}

export function select(name: string, label: string, value: string | null, options: readonly (readonly [string, string])[]): Html {
  return html`<label>${label} <select name="${name}">${options.map(([v, text]) => html`<option value="${v}"${v === (value ?? "") ? html` selected` : ""}>${text}</option>`)}</select></label>`;
}

export function textInput(name: string, label: string, value: string | null): Html {
  return html`<label>${label} <input type="search" name="${name}" value="${value ?? ""}"></label>`;
}

export function filterForm(ctx: ViewContext, path: string, controls: Html[]): Html {
  return html`<form method="get" action="${path}" class="filters" role="search">${controls}<input type="hidden" name="lang" value="${ctx.lang}"><button type="submit">${ctx.t("filter")}</button></form>`;
}

export function flash(ctx: ViewContext): Html | string {
  const done = ctx.query.get("done");
  return done ? html`<p class="flash" role="status">${ctx.t("done")}: ${done}</p>` : "";
}
