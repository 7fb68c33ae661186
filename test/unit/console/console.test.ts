/**
 * The ops console without a browser: the scan's inventory snapshot, AWS-mode name resolution (from a
 * CloudFormation listing and serverless.yml's redrive links — AWS itself is not reachable here), the
 * calendar index, CSV/iCalendar exports, body redaction, and the request guards (Host, Origin, CSRF
 * token, read-only mode).
 */
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { createConsoleApp } from "../../../console/app.ts";
import { buildIndex, newIndexCache, nextWindow, redactBody, type LedgerItem, type Query } from "../../../console/query.ts";
import { ResolutionError, redriveLinks, resolveNames, stackResources, type ConsoleSources } from "../../../console/sources.ts";
import { calendarCsv, icsFold, icsText, managerIcs } from "../../../console/views/calendar.ts";
import { dashboardUrl, shownValue, skippedText } from "../../../console/views/health.ts";
import { loadService } from "../../../local/engine/service.ts";
import type { OrderInstance } from "../../../shared/bss/schemas.ts";
import { parseCsv } from "../../../shared/notify/csv.ts";
import { ledgerKeyString } from "../../../shared/renewal/decision.ts";
import { inventoryItemSchema, inventorySnapshot } from "../../../shared/renewal/inventory.ts";

const NOW = Date.parse("2026-12-06T02:00:00Z"); // 10:00 in Shanghai

function resource(i: number, expire: string, extra: Partial<OrderInstance> = {}): OrderInstance {
  return {
    resource_id: `res-${String(i).padStart(4, "0")}-4fba-a6ab-9fcd2c318036`,
    resource_name: `ecs-${i}`,
    service_type_code: "hws.service.type.ec2",
    region_code: "cn-north-4",
    is_main_resource: 1,
    status: 2,
    expire_time: expire,
    expire_policy: 0,
    ...extra,
  } as OrderInstance;
}

describe("inventory snapshot (renewal-scan)", () => {
  it("keeps every resource compactly, with the manager and a TTL, within 3 KB (3 write units) for 20 resources", () => {
    const resources = Array.from({ length: 20 }, (_, i) => resource(i, "2027-01-05T15:59:59Z", i % 4 === 1 ? { is_main_resource: 0, parent_resource_id: "res-0000-4fba-a6ab-9fcd2c318036" } : {}));
    const item = inventorySnapshot({
      customer: { customerId: "c1", accountName: "acme", entry: { account_manager: { name: "Han", email: "han@partner.example" } } as never },
      resources,
      runDate: "2026-12-06",
      now: NOW,
      defaultTimeZone: "Asia/Shanghai",
    });
    expect(inventoryItemSchema.parse(item)).toEqual(item);
    expect(item.resources).toHaveLength(20);
    expect(item.resources[1]).toMatchObject({ m: 0, g: "res-0000-4fba-a6ab-9fcd2c318036" });
    expect(item.manager).toEqual({ name: "Han", email: "han@partner.example" });
    expect(item.expiresAt).toBe(NOW / 1000 + 3 * 86_400);
    const bytes = Buffer.byteLength(JSON.stringify(item));
    expect(bytes).toBeGreaterThan(1000);
    expect(bytes).toBeLessThanOrEqual(3072);
  });
});

describe("records skipped by the scan (Health view)", () => {
  it("the snapshot keeps how many records were skipped and which fields they lacked, never the records", () => {
    const item = inventorySnapshot({
      customer: { customerId: "c1" },
      resources: [resource(1, "2027-01-05T15:59:59Z")],
      runDate: "2026-12-06",
      now: NOW,
      defaultTimeZone: "Asia/Shanghai",
      skipped: [
        { record: "res-a", fields: ["expire_time"] },
        { record: "res-b", fields: ["expire_time", "status"] },
        { record: "#3", fields: ["resource_id"] },
      ],
    } as never);
    expect(inventoryItemSchema.parse(item)).toEqual(item);
    expect(item.skipped).toEqual({ n: 3, f: { expire_time: 2, status: 1, resource_id: 1 } });
    expect(JSON.stringify(item)).not.toContain("res-a");
    expect(skippedText(item.skipped)).toBe("3 (expire_time: 2, status: 1, resource_id: 1)");
    expect(skippedText(undefined)).toBe("0");
    const none = inventorySnapshot({ customer: { customerId: "c2" }, resources: [], runDate: "2026-12-06", now: NOW, defaultTimeZone: "UTC", skipped: [] } as never);
    expect(none.skipped).toBeUndefined();
  });

  it("links the stage's CloudWatch dashboard (China regions on amazonaws.cn)", () => {
    expect(dashboardUrl("us-east-1", "partner-ops-prod")).toBe("https://console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=partner-ops-prod");
    expect(dashboardUrl("cn-north-1", "partner-ops-prod")).toMatch(/^https:\/\/console\.amazonaws\.cn\//);
  });
});

describe("AWS stage name resolution", () => {
  const model = loadService(resolve(import.meta.dirname, "../../../serverless.yml"), { stage: "prod" });
  const redrive = redriveLinks(model.resources);
  const listing = Object.entries(model.resources).map(([id, r]) => ({
    LogicalResourceId: id,
    ResourceType: r.Type,
    PhysicalResourceId:
      r.Type === "AWS::SQS::Queue" ? `https://sqs.us-east-1.amazonaws.com/123456789012/partner-ops-prod-${id}-AbC123` : `partner-ops-prod-${id.toLowerCase()}-1x2y3z`,
    ResourceStatus: "CREATE_COMPLETE" as const,
    LastUpdatedTimestamp: new Date(),
  }));

  it("links every work queue of serverless.yml to its DLQ", () => {
    expect(redrive).toMatchObject({
      RenewalScanQueue: "RenewalScanDLQ",
      RenewalNotifyQueue: "RenewalNotifyDLQ",
      InvoiceEventsQueue: "InvoiceEventsDLQ",
      RealnameSubmitQueue: "RealnameSubmitDLQ",
    });
    for (const [q, dlq] of Object.entries(redrive)) expect(model.resources[dlq]?.Type, `${q} → ${dlq}`).toBe("AWS::SQS::Queue");
  });

  it("takes tables, buckets and queue URLs from the stack's physical ids", () => {
    const names = resolveNames(listing, redrive, "partner-ops-prod");
    expect(names.tables).toEqual({ ledger: "partner-ops-prod-ledgertable-1x2y3z", realname: "partner-ops-prod-realnameapplicationstable-1x2y3z" });
    expect(names.buckets).toEqual({ inbound: "partner-ops-prod-inboundmailbucket-1x2y3z", config: "partner-ops-prod-renewalconfigbucket-1x2y3z" });
    const notify = names.queues.find((q) => q.logicalId === "RenewalNotifyQueue")!;
    expect(notify).toMatchObject({ name: "partner-ops-prod-RenewalNotifyQueue-AbC123", dlqOf: "RenewalNotifyDLQ", isDlq: false });
    expect(names.queues.find((q) => q.logicalId === "RenewalNotifyDLQ")).toMatchObject({ isDlq: true, dlqOf: undefined });
    expect(names.queues.filter((q) => q.isDlq).length).toBe(new Set(Object.values(redrive)).size);
  });

  it("refuses a stack without the ledger table, naming the stack", () => {
    expect(() => resolveNames(listing.filter((r) => r.LogicalResourceId !== "LedgerTable"), redrive, "partner-ops-x")).toThrow(ResolutionError);
    expect(() => resolveNames([], redrive, "partner-ops-x")).toThrow(/partner-ops-x/);
  });

  it("pages through ListStackResources", async () => {
    const send = vi
      .fn()
      .mockResolvedValueOnce({ StackResourceSummaries: listing.slice(0, 5), NextToken: "t1" })
      .mockResolvedValueOnce({ StackResourceSummaries: listing.slice(5) });
    const all = await stackResources({ send } as never, "partner-ops-prod");
    expect(all).toHaveLength(listing.length);
    expect(send.mock.calls[1]![0].input).toEqual({ StackName: "partner-ops-prod", NextToken: "t1" });
  });
});

describe("calendar index", () => {
  const item = inventorySnapshot({
    customer: { customerId: "c1", entry: { account_manager: { name: "Han", email: "han@p.example" } } as never },
    resources: [
      resource(1, "2026-12-13T15:59:59Z"), // 2026-12-13 23:59 Shanghai → 7 days left
      resource(2, "2026-12-05T15:59:59Z", { status: 5 }), // expired yesterday → grace
      resource(3, "2027-06-01T15:59:59Z"), // beyond 90 days
      resource(4, "2026-12-20T15:59:59Z", { expire_policy: 3 }), // auto-renew
    ],
    runDate: "2026-12-06",
    now: NOW,
    defaultTimeZone: "Asia/Shanghai",
  });
  const key = ledgerKeyString({ customerId: "c1", mainResourceId: item.resources[0]!.i, expireTime: "2026-12-13T15:59:59Z", window: "7d" });
  const ledger: LedgerItem[] = [
    item as unknown as LedgerItem,
    { pk: `renewal#${key}`, status: "done", claimedAt: "2026-12-06T01:00:00Z", completedAt: "2026-12-06T01:00:05Z", attrs: { scanId: "renewal-scan-2026-12-06-x", customerId: "c1" } },
    { pk: `renewal-delivery#${key}#email:0`, status: "done", claimedAt: "2026-12-06T01:00:01Z", completedAt: "2026-12-06T01:00:02Z", attrs: { channel: "email" } },
    { pk: `renewal-delivery#${key}#webhook:1`, status: "claimed", claimedAt: "2026-12-06T01:00:01Z", attrs: { channel: "webhook" } },
  ];
  const index = buildIndex(ledger, NOW);

  it("lists the next 90 days and grace by local expiry date, with reminders per channel and the next window", () => {
    expect(index.calendar.map((r) => [r.resourceId.slice(0, 8), r.expiryDate, r.daysLeft, r.status])).toEqual([
      ["res-0002", "2026-12-05", -1, "grace"],
      ["res-0001", "2026-12-13", 7, "in-use"],
      ["res-0004", "2026-12-20", 14, "in-use"],
    ]);
    const r1 = index.calendar[1]!;
    expect(r1.reminders).toEqual([
      {
        window: "7d",
        status: "sent",
        at: "2026-12-06T01:00:05Z",
        channels: [
          { channel: "email:0", status: "sent", at: "2026-12-06T01:00:02Z" },
          { channel: "webhook:1", status: "pending", at: "2026-12-06T01:00:01Z" },
        ],
      },
    ]);
    expect(r1.nextDue).toEqual({ window: "3d", date: "2026-12-10" });
    expect(index.calendar[2]!.autoRenew).toBe(true);
    expect(index.calendar[2]!.nextDue).toBeUndefined();
    expect(index.deliveries.map((d) => d.status).sort()).toEqual(["pending", "sent"]);
  });

  it("a reused parse cache still shows a customer's new scan, and forgets items gone from the table", () => {
    const cache = newIndexCache();
    buildIndex(ledger, NOW, undefined, cache);
    const rescanned = { ...item, scannedAt: "2026-12-07T01:00:00.000Z", resources: item.resources.slice(0, 1) };
    const again = buildIndex([rescanned as unknown as LedgerItem, ...ledger.slice(1)], NOW, undefined, cache);
    expect(again.calendar.map((r) => r.resourceId.slice(0, 8))).toEqual(["res-0001"]);
    buildIndex(ledger.slice(1), NOW, undefined, cache);
    expect(cache.inventory.size).toBe(0);
    expect(cache.keys.size).toBe(1); // one reminder key, shared by its record and its two deliveries
  });

  it("nextWindow: a window not yet sent, smaller than the days left, dated that many days before the expiry", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 120 }), fc.subarray(["30d", "15d", "7d", "3d", "1d", "grace"]), (daysLeft, sent) => {
        const expiry = "2027-03-15";
        const next = nextWindow(daysLeft, expiry, new Set(sent));
        if (!next) return true;
        expect(sent).not.toContain(next.window);
        if (next.window === "grace") {
          expect(daysLeft).toBeGreaterThanOrEqual(0);
          expect(next.date).toBe("2027-03-16");
        } else {
          const w = Number(next.window.slice(0, -1));
          expect(w).toBeLessThan(daysLeft);
          expect((Date.parse(`${expiry}T00:00:00Z`) - Date.parse(`${next.date}T00:00:00Z`)) / 86_400_000).toBe(w);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("CSV round-trips through the project's CSV reader (quotes, commas, formulas neutralised)", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 5 }), (names) => {
        const rows = names.map((n, i) => ({ ...index.calendar[1]!, name: n, resourceId: `r${i}` }));
        const parsed = parseCsv(calendarCsv(rows));
        expect(parsed).toHaveLength(rows.length + 1);
        parsed.slice(1).forEach((rec, i) => {
          const n = names[i]!;
          expect(rec.fields[7]).toBe(/^([=+@\t\r]|-[^0-9])/.test(n) ? `'${n}` : n);
          expect(rec.fields[6]).toBe(`r${i}`);
        });
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it("iCalendar: one all-day event per expiry of the manager's customers", () => {
    const ics = managerIcs(index.calendar, "han@p.example", "prod");
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(3);
    expect(ics).toContain("DTSTART;VALUE=DATE:20261213");
    expect(ics).toContain("DTSTART;VALUE=DATE:20261205");
    expect(managerIcs(index.calendar, "other@p.example", "prod")).not.toContain("BEGIN:VEVENT");
  });
});

describe("iCalendar text (RFC 5545)", () => {
  const unescape = (v: string) => v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === "n" || c === "N" ? "\n" : c));
  it("folds to ≤ 75 octets per line without splitting a character, and unfolds/unescapes back to the value", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (value) => {
        const folded = icsFold(`SUMMARY:${icsText(value)}`);
        for (const line of folded.split("\r\n")) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
        const unfolded = folded.replace(/\r\n /g, "");
        expect(unfolded.startsWith("SUMMARY:")).toBe(true);
        expect(unescape(unfolded.slice(8))).toBe(value.replace(/\r\n|\r/g, "\n"));
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it("a resource name with commas, semicolons and a newline stays one event with the name intact", () => {
    const row = { customerId: "c1", accountName: undefined, manager: { name: "M", email: "m@p.example" }, resourceId: "r1", name: "db, main; \\prod\nB", service: "rds", region: "cn-north-4", expireTime: "2027-01-05T15:59:59Z", expiryDate: "2027-01-05", daysLeft: 30, status: "in-use" as const, autoRenew: false, main: true, reminders: [], nextDue: undefined, search: "c1" };
    const ics = managerIcs([row], "m@p.example", "prod", new Date("2026-12-06T00:00:00Z")).replace(/\r\n /g, "");
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(1);
    const summary = ics.split("\r\n").find((l) => l.startsWith("SUMMARY:"))!;
    expect(unescape(summary.slice(8))).toBe("db, main; \\prod\nB (c1) expires");
    expect(ics).toContain("DTEND;VALUE=DATE:20270106");
    expect(ics).toContain("DTSTAMP:20261206T000000Z");
  });
});

describe("redaction", () => {
  it("masks ID numbers, names, e-mail addresses and secrets in a queue body", () => {
    const body = JSON.stringify({
      type: "renewal.notify",
      data: { customer: { customerId: "c9", customerName: "李保密", bssEmail: "boss@c.example", entry: { contacts: [{ name: "王五", email: "w@c.example" }] } }, note: "id 110105194912310046", token: "tok-secret-1" },
    });
    const out = redactBody(body);
    for (const leak of ["李保密", "boss@c.example", "王五", "w@c.example", "110105194912310046", "tok-secret-1"]) expect(out).not.toContain(leak);
    expect(out).toContain("c9");
    expect(redactBody("plain 110105194912310046 text")).not.toContain("110105194912310046");
  });

  it("shows secrets and secret references only as set/unset", () => {
    for (const k of ["HWC_SK", "HWC_AK", "WEBHOOK_SECRET", "OBS_SK", "HWC_AK_REF", "HWC_SECURITY_TOKEN"]) expect(shownValue(k, "v").secret).toBe(true);
    expect(shownValue("HWC_ENDPOINT", "http://x")).toEqual({ secret: false, value: "http://x" });
  });
});

describe("request guards", () => {
  const sources = { mode: "local", stage: "t", region: "us-east-1", queues: [{ logicalId: "RenewalNotifyDLQ", name: "n", url: "u", isDlq: true }], functions: [], bss: { mode: "unknown" } } as unknown as ConsoleSources;
  const make = (allowActions: boolean) => {
    const replayOne = vi.fn(async () => true);
    const query = { replayOne, snapshot: async () => ({ calendar: [], inventory: [] }) } as unknown as Query;
    const app = createConsoleApp({ sources, query, allowActions, allowedHosts: () => ["127.0.0.1:4000"], csrfToken: "tok123" });
    return { app, replayOne };
  };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const post = (app: ReturnType<typeof make>["app"], headers: Record<string, string>, fields: Record<string, string>) =>
    app.request("http://127.0.0.1:4000/actions/resend", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: form(fields) });
  const good = { host: "127.0.0.1:4000", origin: "http://127.0.0.1:4000" };
  const fields = { _csrf: "tok123", confirm: "yes", messageId: "m1" };

  it("answers pages only for its own Host (DNS rebinding)", async () => {
    const { app } = make(true);
    expect((await app.request("http://127.0.0.1:4000/calendar", { headers: { host: "evil.example" } })).status).toBe(421);
    const ok = await app.request("http://127.0.0.1:4000/calendar", { headers: { host: "127.0.0.1:4000" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-security-policy")).toContain("script-src 'self'");
  });

  it("runs an action only with the right Origin, CSRF token, confirmation and actions allowed", async () => {
    const { app, replayOne } = make(true);
    expect((await post(app, { host: good.host, origin: "http://evil.example" }, fields)).status).toBe(403);
    expect((await post(app, good, { ...fields, _csrf: "tok124" })).status).toBe(403);
    expect((await post(app, good, { ...fields, _csrf: "" })).status).toBe(403);
    expect((await post(app, good, { ...fields, confirm: "" })).status).toBe(400);
    expect(replayOne).not.toHaveBeenCalled();
    const res = await post(app, good, fields);
    expect(res.status).toBe(303);
    expect(replayOne).toHaveBeenCalledWith("RenewalNotifyDLQ", "m1");
    const ro = make(false);
    expect((await post(ro.app, good, fields)).status).toBe(403);
    expect(ro.replayOne).not.toHaveBeenCalled();
  });
});
