/**
 * The ops console's web app (Hono). Server-rendered pages with hono/html templates (Node runs the
 * TypeScript sources by type stripping, which does not cover JSX/.tsx — tagged templates need no
 * build step and escape every interpolation), a few lines of progressive-enhancement script.
 *
 * Security: every request's Host must be the console's own loopback address (DNS-rebinding guard);
 * POSTs must come from the console's own Origin (hono/csrf) AND carry the per-process CSRF token;
 * actions exist only when the console was started with them allowed; responses carry a strict CSP.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { Hono, type Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { csrf } from "hono/csrf";
import { HTTPException } from "hono/http-exception";
import { html } from "hono/html";
import { secureHeaders } from "hono/secure-headers";
import { redactString } from "../shared/log/redact.ts";
import { pickLang } from "./i18n.ts";
import { ActionError, type Query } from "./query.ts";
import type { ConsoleSources } from "./sources.ts";
import { calendarCsv, calendarFilter, calendarView, filterCalendar, managerIcs } from "./views/calendar.ts";
import { deliveriesView, messageView } from "./views/deliveries.ts";
import { healthView } from "./views/health.ts";
import { type ViewContext, layout, translator } from "./views/layout.ts";
import { noticeDetailView, noticesView } from "./views/notices.ts";
import { dlqView, queuesView } from "./views/queues.ts";
import { applicationView, realnameView } from "./views/realname.ts";

export interface ConsoleAppOptions {
  sources: ConsoleSources;
  query: Query;
  allowActions: boolean;
  /** Host header values accepted (e.g. "127.0.0.1:4000", "localhost:4000"); set once the port is known. */
  allowedHosts: () => readonly string[];
  csrfToken?: string;
}

const STATIC: Record<string, { type: string; body: string }> = {
  "console.css": { type: "text/css; charset=utf-8", body: readFileSync(new URL("./static/console.css", import.meta.url), "utf8") },
  "console.js": { type: "text/javascript; charset=utf-8", body: readFileSync(new URL("./static/console.js", import.meta.url), "utf8") },
};

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createConsoleApp(o: ConsoleAppOptions): Hono {
  const app = new Hono();
  const token = o.csrfToken ?? randomBytes(24).toString("base64url");
  const { sources, query } = o;

  app.use("*", async (c, next) => {
    const host = c.req.header("host") ?? "";
    if (!o.allowedHosts().includes(host)) return c.text("unexpected Host header", 421);
    await next();
  });
  app.use(
    "*",
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'"], formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
      referrerPolicy: "same-origin",
    }),
  );
  app.use("*", csrf({ origin: (origin) => o.allowedHosts().some((h) => origin === `http://${h}`) }));

  const ctxOf = (c: Context): ViewContext => {
    const url = new URL(c.req.url);
    const fromQuery = url.searchParams.get("lang") ?? undefined;
    const lang = pickLang(fromQuery, getCookie(c, "lang"), c.req.header("accept-language"));
    if (fromQuery === "en" || fromQuery === "zh") setCookie(c, "lang", fromQuery, { path: "/", sameSite: "Strict", httpOnly: true });
    return { lang, t: translator(lang), stage: sources.stage, mode: sources.mode, allowActions: o.allowActions, csrf: token, path: url.pathname, query: url.searchParams };
  };

  app.get("/static/:file", (c) => {
    const f = STATIC[c.req.param("file")];
    if (!f) return c.notFound();
    return c.body(f.body, 200, { "content-type": f.type, "cache-control": "no-cache" });
  });
  app.get("/", (c) => c.redirect("/calendar"));
  app.get("/favicon.ico", (c) => c.body(null, 204));

  // 1. Expiry calendar
  const managersOf = (rows: { manager?: { name: string; email: string } | undefined }[]) => {
    const m = new Map<string, { name: string; email: string }>();
    for (const r of rows) if (r.manager) m.set(r.manager.email, r.manager);
    return [...m.values()].sort((a, b) => a.email.localeCompare(b.email));
  };
  app.get("/calendar", async (c) => {
    const snap = await query.snapshot();
    return c.html(calendarView(ctxOf(c), snap.calendar, managersOf(snap.inventory)));
  });
  app.get("/calendar.csv", async (c) => {
    const snap = await query.snapshot();
    const rows = filterCalendar(snap.calendar, calendarFilter(new URL(c.req.url).searchParams));
    return c.body(calendarCsv(rows), 200, { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="expiries-${sources.stage}.csv"` });
  });
  app.get("/calendar.ics", async (c) => {
    const manager = c.req.query("manager") ?? "";
    if (!manager) return c.text("?manager=<account manager e-mail> is required", 400);
    const snap = await query.snapshot();
    // The 90-day window includes the resources in grace/retention.
    const rows = filterCalendar(snap.calendar, { customer: "", manager, window: "90", status: "" });
    const safe = manager.replace(/[^A-Za-z0-9._-]/g, "_");
    return c.body(managerIcs(rows, manager, sources.stage), 200, { "content-type": "text/calendar; charset=utf-8", "content-disposition": `attachment; filename="expiries-${safe}.ics"` });
  });

  // 2. Deliveries
  const notifyDlq = () => sources.queues.find((q) => q.logicalId === "RenewalNotifyDLQ");
  app.get("/deliveries", async (c) => {
    const [snap, outbox] = await Promise.all([query.snapshot(), query.outbox()]);
    const dlq = notifyDlq();
    const failed = dlq ? await query.dlqMessages(dlq.logicalId) : [];
    // renewal-digest#<manager key>#<date>: one digest e-mail per account manager and day.
    const digests = snap.ledger
      .filter((l) => l.pk.startsWith("renewal-digest#"))
      .map((l) => {
        const [, manager = "", date = ""] = l.pk.split("#");
        const reminders = l.result?.["reminders"] ?? l.attrs?.["items"];
        return { manager, date, status: l.status === "done" ? "sent" : "pending", reminders: typeof reminders === "number" ? reminders : undefined, at: l.completedAt ?? l.claimedAt };
      })
      .sort((a, b) => b.date.localeCompare(a.date) || a.manager.localeCompare(b.manager));
    return c.html(deliveriesView(ctxOf(c), snap.deliveries, failed, outbox, digests));
  });
  app.get("/deliveries/message", async (c) => {
    const key = c.req.query("key") ?? "";
    return c.html(messageView(ctxOf(c), key, await query.outboxMessage(key)));
  });

  // 3. Invoice notices
  app.get("/notices", async (c) => c.html(noticesView(ctxOf(c), await query.notices())));
  app.get("/notices/detail", async (c) => {
    const key = c.req.query("key") ?? "";
    const n = (await query.notices()).find((x) => x.outcomeKey === key);
    if (!n) return c.notFound();
    return c.html(noticeDetailView(ctxOf(c), n, n.noticeKey ? await query.noticeFields(n.noticeKey) : undefined));
  });
  app.get("/notices/download", async (c) => {
    const key = c.req.query("key") ?? "";
    const obj = await query.inboundObject(key);
    const name = (key.split("/").pop() ?? "download").replace(/[^A-Za-z0-9._-]/g, "_");
    // Always a download, never rendered by the browser.
    return c.body(Buffer.from(obj.body), 200, {
      "content-type": "application/octet-stream",
      "content-disposition": `attachment; filename="${name}${key.startsWith("notices/") ? "" : ".eml"}"`,
      "x-content-type-options": "nosniff",
    });
  });

  // 4. Real-name applications
  app.get("/realname", async (c) => c.html(realnameView(ctxOf(c), (await query.snapshot()).applications)));
  app.get("/realname/:id", async (c) => {
    const a = (await query.snapshot()).applications.find((x) => x.id === c.req.param("id"));
    if (!a) return c.notFound();
    return c.html(applicationView(ctxOf(c), a));
  });

  // 5. Queues
  app.get("/queues", async (c) => c.html(queuesView(ctxOf(c), await query.queueRows())));
  app.get("/queues/:id", async (c) => {
    const rows = await query.queueRows();
    const q = rows.find((x) => x.logicalId === c.req.param("id"));
    if (!q || !q.isDlq) return c.notFound();
    const source = rows.find((x) => x.dlqOf === q.logicalId)?.logicalId;
    return c.html(dlqView(ctxOf(c), q, source, await query.dlqMessages(q.logicalId)));
  });

  // 6. Health
  app.get("/health", async (c) => {
    const [snap, queues] = await Promise.all([query.snapshot(), query.queueRows()]);
    const dlqMessages = queues.filter((q) => q.isDlq).reduce((n, q) => n + q.visible + q.inFlight, 0);
    return c.html(healthView(ctxOf(c), sources, snap.health, { queues: queues.length, dlqMessages }, query.metrics()));
  });

  // --- actions -------------------------------------------------------------------------------------
  const action = (path: string, run: (form: Record<string, string>, c: Context) => Promise<string>) =>
    app.post(path, async (c) => {
      if (!o.allowActions) return c.text("the console is read-only: start it with --allow-actions", 403);
      const body = await c.req.parseBody();
      const form: Record<string, string> = {};
      for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v.slice(0, 1000);
      if (!form["_csrf"] || !sameToken(form["_csrf"], token)) return c.text("missing or wrong CSRF token", 403);
      if (form["confirm"] !== "yes") return c.text("confirmation missing: tick the confirmation box", 400);
      return c.redirect(await run(form, c), 303);
    });
  action("/actions/resend", async (f) => {
    const dlq = notifyDlq();
    if (!dlq) throw new ActionError("no RenewalNotifyDLQ");
    const ok = await query.replayOne(dlq.logicalId, f["messageId"] ?? "");
    return `/deliveries?done=${encodeURIComponent(ok ? "resend queued" : "message not found")}`;
  });
  action("/actions/reprocess", async (f) => {
    const key = await query.reprocessQuarantined(f["noticeId"] ?? "");
    return `/notices?done=${encodeURIComponent(`reprocessing as ${key}`)}`;
  });
  action("/actions/realname/retry", async (f) => {
    const id = f["id"] ?? "";
    await query.retryApplication(id);
    return `/realname/${encodeURIComponent(id)}?done=retry`;
  });
  action("/actions/realname/flag", async (f) => {
    const id = f["id"] ?? "";
    await query.flagApplication(id, f["note"] || "needs an operator");
    return `/realname/${encodeURIComponent(id)}?done=flagged`;
  });
  action("/actions/queues/:id/replay", async (f, c) => {
    const id = c.req.param("id") ?? "";
    if (f["messageId"]) {
      const ok = await query.replayOne(id, f["messageId"]);
      return `/queues/${id}?done=${encodeURIComponent(ok ? "1 message replayed" : "message not found")}`;
    }
    const n = await query.replayAll(id);
    return `/queues/${id}?done=${encodeURIComponent(`${n} message(s) replayed`)}`;
  });

  app.notFound((c) => c.html(layout(ctxOf(c), "404", html`<p>Not found. <a href="/calendar">calendar</a></p>`), 404));
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const status = err instanceof ActionError ? 400 : 500;
    // Messages of adapters name resources, not values; still masked like a log line.
    return c.html(layout(ctxOf(c), String(status), html`<p role="alert">${err.name}: ${redactString(err.message).slice(0, 300)}</p>`), status);
  });
  return app;
}
