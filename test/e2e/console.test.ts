/**
 * The ops console in a real browser (Debian's Chromium through playwright-core; no browser download)
 * against an engine seeded by the BSS sandbox and the fixtures:
 * - renewal: one scheduler run over the sandbox's customers (contacts directory with e-mail + signed
 *   webhook); the webhook receiver first answers 503, so the notify messages end in RenewalNotifyDLQ;
 * - invoice e-mails over SMTP: a notice with a PDF, a look-alike (rejected), one over invoiceMaxBytes
 *   (quarantined);
 * - real-name: an enterprise application through the signed API (presigned uploads, submit) and a
 *   record seeded as stuck in `validated` (its submit message lost).
 * Every view must render the seeded data and every action change what it should (resend delivers,
 * replay-all empties the DLQ and the reminders arrive, reprocess runs the intake again, retry submits
 * again, mark shows the note); no console error in the page; one screenshot per view under the test's
 * temp dir; no response carries a secret, an ID number, a name from the application or file content.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startConsole, type ConsoleServer } from "../../console/server.ts";
import { fromEngine } from "../../console/sources.ts";
import { startWebhookReceiver, type WebhookReceiver } from "../../local/chaos/renewal-oracle.ts";
import { SAMPLE_COMPANY, SAMPLE_CREDIT_CODE, SAMPLE_LEGAL_ID, SAMPLE_LEGAL_PERSON, sampleApplication, sampleFiles } from "../../local/commands/demo-samples.ts";
import { sendRawMail } from "../../local/commands/smtp-send.ts";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { createRecordStore } from "../../shared/realname-io/records.ts";
import { createDocumentClient } from "../../shared/ledger/index.ts";
import { parseCsv } from "../../shared/notify/csv.ts";
import { signWebhook } from "../../shared/signing/index.ts";
import { bucketName, queueName, waitFor } from "./helpers/fixture.ts";
import { directory, drained, invocationsInFlight } from "./helpers/renewal.ts";

const CHROMIUM = "/usr/bin/chromium";
const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const fixtures = resolve(import.meta.dirname, "../fixtures/invoice-emails");
const SECRET = "whsec_console_e2e_5b7c1d9e0f2a4b6c";

let sb: Sandbox;
let engine: Engine;
let hook: WebhookReceiver;
let failing = true;
let server: ConsoleServer;
let context: BrowserContext;
let page: Page;
let shots: string;
let userData: string;
const pageErrors: string[] = [];
const bodies: { url: string; text: string }[] = [];
let seededId = "";
let appId = "";

async function dlqDepth(logicalId: string): Promise<number> {
  const res = await fetch(`${engine.urls.fauxqs}/_fauxqs/queues/${encodeURIComponent(queueName(engine, logicalId))}`);
  const s = (await res.json()) as { messages: { ready: unknown[]; delayed: unknown[]; inflight: unknown[] } };
  return s.messages.ready.length + s.messages.delayed.length + s.messages.inflight.length;
}

async function seedRealname(): Promise<void> {
  const customer = sb.data.customers.find((c) => c.info.verified_status === "-1" || c.info.verified_status === "1")!;
  const call = async (method: string, path: string, body = "") => {
    const headers = { "content-type": "application/json", "x-partner-ops-signature": signWebhook(body, SECRET, { request: { method, path } }) };
    const res = await fetch(engine.urls.http + path, { method, headers, ...(method === "GET" ? {} : { body }) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const files = sampleFiles();
  const created = await call("POST", "/realname/applications", JSON.stringify(sampleApplication(customer.info.customer_id, files)));
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  appId = String(created.body["id"]);
  for (const u of created.body["uploads"] as { role: string; url: string }[]) {
    const f = files.find((x) => x.role === u.role)!;
    expect((await fetch(u.url, { method: "PUT", body: f.bytes, headers: { "content-type": f.contentType } })).ok).toBe(true);
  }
  expect((await call("POST", `/realname/applications/${appId}/submit`)).status).toBeLessThan(300);
  // A second record, stuck in `validated` (its submit message was lost), copied from the first.
  const table = engine.plan.tables.find((t) => t.logicalId === "RealnameApplicationsTable")!.name;
  const store = createRecordStore({ tableName: table, client: createDocumentClient(engine.clients.dynamodb) });
  const first = await waitFor("the application record", async () => (await store.get(appId))?.documents?.length ? store.get(appId) : undefined);
  seededId = "0b9e0a4c-seed-4c1d-9a7e-stuckvalidated";
  const at = new Date().toISOString();
  await store.create({
    ...first!,
    id: seededId,
    version: 1,
    status: { state: "validated", submitAttempts: 0 },
    audit: [{ at, actor: "portal", event: "uploads_verified", from: "awaiting_uploads", to: "validated", detail: "3 documents" }],
    work: undefined,
    dueAt: undefined,
  } as never);
}

beforeAll(async () => {
  shots = mkdtempSync(join(tmpdir(), "console-e2e-"));
  userData = mkdtempSync(join(tmpdir(), "console-chromium-"));
  sb = await startSandbox({ seed: 1414, customers: 10, resourcesPerCustomer: 6 });
  hook = await startWebhookReceiver({ secret: SECRET, behaviour: () => (failing ? { status: 503 } : {}) });
  engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile,
    logLevel: "SILENT",
    stage: "local",
    env: { ...sandboxEnv(sb), WEBHOOK_SECRET: SECRET },
    visibilityTimeoutSeconds: { RenewalNotifyQueue: 1 },
    params: { renewalSchedule: "rate(1 day)", renewalDigestSchedule: "rate(1 day)", renewalEmailTransport: "outbox", invoiceMaxBytes: "14000", realnameStatusSchedule: "rate(1 day)" },
  });
  const inFlight = invocationsInFlight(engine);
  await engine.clients.s3.send(
    new PutObjectCommand({ Bucket: bucketName(engine, "RenewalConfigBucket"), Key: "renewal/contacts.json", Body: directory(sb, hook.url).json, ContentType: "application/json" }),
  );
  const run = await engine.invoke("renewal-scheduler", { time: new Date().toISOString() });
  if (!run.ok) throw run.error;
  // Mail: a notice with a PDF, the look-alike, and one over invoiceMaxBytes (quarantined).
  for (const f of ["05-cn-incentive-pdf-attachment.eml", "08-phishing-lookalike.eml", "01-cn-incentive-alt-utf8-qp.eml"]) {
    await sendRawMail(engine.urls.smtp!, readFileSync(join(fixtures, f)), { from: "system@info.huaweicloud.com", to: ["billing@invoices.example.com"] });
  }
  await seedRealname();
  await drained(engine, inFlight, ["RenewalScanQueue", "RenewalNotifyQueue"]);
  expect(await dlqDepth("RenewalNotifyDLQ")).toBeGreaterThan(1);
  const digest = await engine.invoke("renewal-digest", { time: new Date().toISOString() });
  if (!digest.ok) throw digest.error;
  server = await startConsole({ sources: fromEngine(engine), allowActions: true, query: { cacheSeconds: 0 } });
  context = await chromium.launchPersistentContext(userData, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => {
    if (m.type() === "error") pageErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("dialog", (d) => void d.accept());
  page.on("response", async (r) => {
    if (!r.url().startsWith(server.url) || r.url().includes("/notices/download")) return;
    try {
      bodies.push({ url: r.url(), text: await r.text() });
    } catch {
      // redirects have no body
    }
  });
}, 90_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  await engine?.close();
  await sb?.close();
  await hook?.close();
  rmSync(userData, { recursive: true, force: true });
}, 60_000);

async function view(path: string, shot: string): Promise<string> {
  await page.goto(server.url + path);
  await page.screenshot({ path: join(shots, `${shot}.png`), fullPage: true });
  return page.content();
}

async function act(form: ReturnType<Page["locator"]>): Promise<void> {
  await form.locator('input[name="confirm"]').check();
  await Promise.all([page.waitForURL(/done=/), form.locator('button[type="submit"]').click()]);
}

describe.skipIf(!existsSync(CHROMIUM))("ops console in Chromium", () => {
  it("calendar: seeded expiries grouped by day, reminders and next window, CSV and per-manager .ics", async () => {
    const html = await view("/calendar", "1-calendar");
    const rows = await page.locator("#calendar tbody tr:not(.day)").count();
    expect(rows).toBeGreaterThan(5);
    expect(await page.locator("#calendar tr.day").count()).toBeGreaterThan(1);
    // Every main resource of the sandbox that expires within 30 days in use is listed.
    const soon = sb.data.customers.flatMap((c) => sb.data.resources(c.info.customer_id)).filter((r) => r.status === 2 && Date.parse(r.expire_time) - Date.now() < 20 * 86_400_000 && Date.parse(r.expire_time) > Date.now() + 86_400_000);
    expect(soon.length).toBeGreaterThan(0);
    for (const r of soon.slice(0, 5)) expect(html).toContain(r.resource_id);
    // Reminders claimed by the scan, e-mailed (the webhook still fails: the reminder stays claimed).
    expect(html).toMatch(/\d+d: <span class="badge ">claimed<\/span> [^<]* · email:0 sent/);
    // Keyboard: the first link after "skip" is reachable with Tab.
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement?.textContent")).toContain("Skip");
    const csv = await (await fetch(`${server.url}/calendar.csv`)).text();
    expect(csv.split("\r\n").length - 2).toBe(Number((html.match(/· (\d+) rows/) ?? [])[1]));
    const manager = parseCsv(csv).slice(1).find((r) => r.fields[5])!.fields[5]; // an account manager with expiries
    await page.selectOption('select[name="manager"]', manager!); // submits through console.js
    await page.waitForURL(/manager=/);
    const ics = await (await fetch(`${server.url}/calendar.ics?manager=${encodeURIComponent(manager!)}`)).text();
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics.match(/BEGIN:VEVENT/g)!.length).toBe(await page.locator("#calendar tbody tr:not(.day)").count());
    await view("/calendar?lang=zh", "1-calendar-zh");
    expect(await page.locator("h1").textContent()).toBe("到期日历");
    await page.goto(`${server.url}/calendar?lang=en`);
  });

  it("deliveries: sent and failed; the rendered e-mail opens; resend delivers the failed one", async () => {
    await view("/deliveries", "2-deliveries");
    expect(await page.locator("#deliveries tbody tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#digest-list tbody tr").count()).toBeGreaterThan(0);
    const failedRows = page.locator("tr.failed-row");
    expect(await failedRows.count()).toBeGreaterThan(1);
    await page.locator("#outbox-list a").first().click();
    expect((await page.locator("#message-text").textContent())!.length).toBeGreaterThan(50);
    await page.goto(`${server.url}/deliveries`);
    const customer = (await failedRows.first().locator("td").first().textContent())!.trim();
    const before = await dlqDepth("RenewalNotifyDLQ");
    failing = false;
    await act(page.locator("tr.failed-row form").first());
    await waitFor("the resent reminders to arrive", () => hook.received.some((r) => r.customerId === customer), 20_000);
    await waitFor("the DLQ to shrink by one", async () => (await dlqDepth("RenewalNotifyDLQ")) === before - 1);
  });

  it("queues: depth, a DLQ message redacted, replay all empties the DLQ and the messages are processed", async () => {
    const html = await view("/queues", "5-queues");
    expect(html).toContain("RenewalNotifyDLQ");
    await page.goto(`${server.url}/queues/RenewalNotifyDLQ`);
    await page.screenshot({ path: join(shots, "5-queues-dlq.png"), fullPage: true });
    const messages = await page.locator("section.dlq-message").count();
    expect(messages).toBeGreaterThan(0);
    expect(await page.locator("section.dlq-message pre").first().textContent()).toContain("[REDACTED]");
    // The reason notify's consumer recorded when the message failed (the webhook answered 503: a DeliveryError).
    const reason = (await page.locator("section.dlq-message .failure-reason").first().textContent())!;
    expect(reason).not.toContain("no reason recorded");
    expect(reason.trim()).toMatch(/^\w*Error: \S/);
    const delivered = new Set(hook.received.map((r) => r.customerId));
    await act(page.locator("form.action").first());
    await waitFor("the DLQ to be empty", async () => (await dlqDepth("RenewalNotifyDLQ")) === 0);
    await waitFor("every replayed customer's reminders", () => new Set(hook.received.map((r) => r.customerId)).size >= delivered.size + messages, 20_000);
  });

  it("invoice notices: kinds, fields, downloads; reprocess a quarantined message", async () => {
    const html = await view("/notices", "3-notices");
    expect(html).toContain("invoice-notice");
    expect(html).toContain("rejected");
    expect(await page.locator("#notices tbody tr").count()).toBe(3);
    await page.goto(`${server.url}/notices?kind=invoice-notice`);
    await page.locator("#notices a").first().click();
    expect(await page.locator("#fields").textContent()).toContain("SF20250612000901");
    const att = await page.locator('a[href*="attachments"]').first().getAttribute("href");
    const pdf = await fetch(server.url + att!);
    expect(pdf.headers.get("content-disposition")).toMatch(/^attachment/);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");
    await page.goto(`${server.url}/notices?kind=quarantined`);
    await page.locator("#notices a").first().click();
    await page.screenshot({ path: join(shots, "3-notices-quarantined.png"), fullPage: true });
    await act(page.locator("form.action"));
    await waitFor("the reprocessed message's outcome", async () => (await (await fetch(`${server.url}/notices`)).text()).includes("inbound/reprocess/"), 15_000);
  });

  it("real-name: by state, redacted history, documents by role; retry a stuck submission; mark for an operator", async () => {
    const html = await view("/realname", "4-realname");
    expect(html).toContain(appId);
    expect(html).toContain(seededId);
    await page.goto(`${server.url}/realname/${appId}`);
    expect(await page.locator("table").first().textContent()).toContain("company_certificate");
    await act(page.locator("form.action").last());
    expect(await page.locator("#app-flag").textContent()).toContain("needs an operator");
    await page.goto(`${server.url}/realname/${seededId}`);
    await page.screenshot({ path: join(shots, "4-realname-detail.png"), fullPage: true });
    expect(await page.locator("#app-state").textContent()).toBe("validated");
    await act(page.locator("form.action").first());
    await waitFor(
      "the retried submission to be processed",
      async () => {
        await page.goto(`${server.url}/realname/${seededId}`);
        return (await page.locator("#history").textContent())!.includes("submit_started");
      },
      20_000,
      300,
    );
  });

  it("health: last run, scans per customer, configuration with secrets as set/unset", async () => {
    const html = await view("/health", "6-health");
    expect(await page.locator("#last-run").textContent()).toMatch(/\d{4}-\d{2}-\d{2}: \d+ customers scheduled/);
    expect(await page.locator("#scans tbody tr").count()).toBeGreaterThan(3);
    // BSS calls per operation: an in-memory engine keeps no metrics file, and the view says so.
    expect(await page.locator("#metrics-source").textContent()).toContain("No metrics file");
    expect(html).toContain(sb.url);
    expect(html).toMatch(/WEBHOOK_SECRET<\/td><td><span class="badge">set/);
  });

  it("no page error, and no response carried a secret, an ID number, a name or file content", async () => {
    expect(pageErrors).toEqual([]);
    for (const p of ["/calendar", "/deliveries", "/notices", "/realname", `/realname/${appId}`, `/realname/${seededId}`, "/queues", "/queues/RenewalNotifyDLQ", "/health", "/calendar.csv"]) {
      bodies.push({ url: p, text: await (await fetch(server.url + p)).text() });
    }
    const leaks: [string, string][] = [
      ["webhook secret", SECRET],
      ["BSS AK", sb.credentials.ak],
      ["BSS SK", sb.credentials.sk],
      ["ID number", SAMPLE_LEGAL_ID],
      ["credit code", SAMPLE_CREDIT_CODE],
      ["company name", SAMPLE_COMPANY],
      ["legal person", SAMPLE_LEGAL_PERSON],
      ["file content", "%PDF-"],
    ];
    expect(bodies.length).toBeGreaterThan(20);
    for (const b of bodies) for (const [kind, value] of leaks) expect(b.text.includes(value), `${b.url} carries the ${kind}`).toBe(false);
    console.info(`console e2e screenshots: ${shots}`);
  });
});
