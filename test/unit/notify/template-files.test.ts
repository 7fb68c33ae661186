/**
 * Message templates (issue 16.4–16.7): every template × language × phase is rendered and the facts in it
 * are checked against an oracle computed here with Intl (dates in the customer's zone, days left, the
 * next step's dates from the reference grace/retention table) — plus load-time validation of overrides
 * (file and line, default used, reported once), the partner's identity, the HTML layout and the wording
 * bugs of a real reminder.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { embeddedTemplatesModule } from "../../../local/build/embed-templates.ts";
import { loadTemplateSet, outboxEmailSender } from "../../../shared/notify/adapters.ts";
import { deliverReminders, type EmailSender } from "../../../shared/notify/deliver.ts";
import { buildDigests, renderDigest } from "../../../shared/notify/digest.ts";
import { TEMPLATE_FILES, type TemplateProblem, buildTemplateSet, compileTemplateFile, defaultTemplateFiles } from "../../../shared/notify/template-engine.ts";
import { type PartnerIdentity, type RenderedMessage, renderAutoRenewReport, renderCustomerReminder, validateTemplateFile } from "../../../shared/notify/templates.ts";
import type { DueReminder } from "../../../shared/renewal/decision.ts";
import type { Bucket, ObjectSummary } from "../../../shared/storage/index.ts";
import { MemLedger } from "../renewal/pipeline-fakes.ts";
import { sampleReminder } from "./fixtures.ts";

const partner: PartnerIdentity = {
  name: "Acme Cloud Partner",
  senderName: "Acme Renewals",
  support: "+86 400 000 0000 / help@acme.example",
  signature: "Acme Cloud Services\\nRenewal desk",
  renewUrl: "https://portal.acme.example/renew?resource={resource_id}&region={region}",
};

// ---------------------------------------------------------------------------------------------
// Oracle (Intl, the reference table) — independent of shared/renewal/calendar.ts

const DAY = 86_400_000;
/** V3 on the China site: 7 days grace, 7 days retention (partner-processes.md B). */
const V3 = { grace: 7, retention: 7 };
function localDateTime(ms: number, tz: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  return `${p["year"]}-${p["month"]}-${p["day"]} ${p["hour"]}:${p["minute"]}`;
}
const dayIndex = (ms: number, tz: string) => Date.parse(`${localDateTime(ms, tz).slice(0, 10)}T00:00:00Z`) / DAY;

interface Case {
  phase: "before expiry" | "grace" | "retention" | "auto-renew failed" | "data deleted today";
  now: string;
  status: 2 | 4 | 5;
  policy?: number;
  tz: string;
}
const EXPIRE = "2026-06-30T15:59:59Z";
const CASES: Case[] = [
  { phase: "before expiry", now: "2026-06-27T01:00:00Z", status: 2, tz: "Asia/Shanghai" },
  { phase: "before expiry", now: "2026-06-27T01:00:00Z", status: 2, tz: "America/New_York" },
  { phase: "grace", now: "2026-07-01T14:00:00Z", status: 5, tz: "Asia/Shanghai" },
  { phase: "grace", now: "2026-07-02T14:00:00Z", status: 5, policy: 1, tz: "Europe/Berlin" }, // expires → pay-per-use, yet in grace
  { phase: "retention", now: "2026-07-09T01:00:00Z", status: 4, tz: "Asia/Shanghai" },
  { phase: "auto-renew failed", now: "2026-07-01T14:00:00Z", status: 5, policy: 3, tz: "Asia/Kolkata" },
  { phase: "auto-renew failed", now: "2026-07-09T01:00:00Z", status: 4, policy: 3, tz: "Asia/Shanghai" },
  { phase: "data deleted today", now: "2026-07-14T01:00:00Z", status: 4, tz: "Asia/Shanghai" },
];

function reminderFor(c: Case): DueReminder {
  return sampleReminder({ now: c.now, status: c.status, tz: c.tz, level: "V3", expire: EXPIRE, ...(c.policy === undefined ? {} : { policy: c.policy }) });
}

/** The facts every rendering of this case must state (text and HTML), from the oracle. */
function expectedFacts(c: Case, lang: "zh" | "en") {
  const exp = Date.parse(EXPIRE);
  const now = Date.parse(c.now);
  const daysLeft = dayIndex(exp, c.tz) - dayIndex(now, c.tz);
  const retentionStarts = localDateTime(exp + V3.grace * DAY, c.tz);
  const deletion = localDateTime(exp + (V3.grace + V3.retention) * DAY, c.tz);
  const facts = [localDateTime(exp, c.tz), c.tz];
  if (c.policy !== 1) facts.push(deletion); // a pay-per-use-at-expiry resource has no retention dates
  if (c.phase === "before expiry") {
    facts.push(lang === "zh" ? `剩余 ${daysLeft} 天` : `${daysLeft} days left`, retentionStarts);
  } else {
    facts.push(lang === "zh" ? `已过期 ${-daysLeft} 天` : `expired ${-daysLeft} day${daysLeft === -1 ? "" : "s"} ago`);
  }
  if (c.phase === "grace" && c.policy !== 1) facts.push(retentionStarts);
  return { facts, daysLeft };
}

const unescape = (html: string) => html.replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'");
const textOfHtml = (html: string) => unescape(html.replace(/<[^>]+>/g, " "));

/** The checks every rendered case shares, per language section. */
function checkCase(c: Case, m: RenderedMessage, langs: ("zh" | "en")[]) {
  const html = textOfHtml(m.html);
  for (const lang of langs) {
    const { facts } = expectedFacts(c, lang);
    for (const f of facts) {
      expect(m.text, `${c.phase}/${lang}/text: ${f}`).toContain(f);
      expect(html, `${c.phase}/${lang}/html: ${f}`).toContain(f);
    }
    // Next step: each phase names what comes next; never the wrong one.
    const t = m.text;
    if (c.phase === "grace" || c.phase === "auto-renew failed") {
      expect(t).not.toMatch(lang === "zh" ? /到期后将自动转为按需/ : /switches to pay-per-use/);
      expect(t).not.toMatch(lang === "zh" ? /到期后进入宽限期/ : /After expiry comes the grace period/);
    }
    if (c.phase === "auto-renew failed") {
      expect(t).toContain(lang === "zh" ? "自动续费未成功" : "The automatic renewal did not happen");
      expect(m.subject).toContain(lang === "zh" ? "【自动续费失败】" : "[Auto-renewal failed]");
    }
    if (c.phase === "data deleted today") {
      expect(m.subject).toContain(lang === "zh" ? "【今日删除数据】" : "[Data deleted today]");
      expect(t).toContain(lang === "zh" ? "数据将于今天" : "Its data is deleted TODAY");
    } else {
      expect(m.subject).not.toContain(lang === "zh" ? "今日删除数据" : "Data deleted today");
    }
    if (c.phase === "retention") expect(m.subject).toContain(lang === "zh" ? "【数据风险】" : "[Data at risk]");
    if (c.phase === "before expiry") expect(t).toContain(lang === "zh" ? "进入宽限期" : "grace period");
  }
  // Identity: partner header (HTML), the renewal link of the resource, signature lines, support contact.
  expect(m.html).toContain("Acme Cloud Partner");
  expect(m.html).toContain('href="https://portal.acme.example/renew?resource=ecs-1&amp;region=cn-north-4"');
  expect(m.text).toContain("https://portal.acme.example/renew?resource=ecs-1&region=cn-north-4");
  for (const part of [m.text, html]) {
    expect(part).toContain("Acme Cloud Services");
    expect(part).toContain("Renewal desk");
    expect(part).toContain("help@acme.example");
  }
}

describe("templates × languages × phases: the facts", () => {
  for (const c of CASES) {
    it(`reminder: ${c.phase} (${c.tz}${c.policy ? `, expire_policy ${c.policy}` : ""}) in zh, en and bilingual`, () => {
      const r = reminderFor(c);
      expect(r.daysLeft).toBe(expectedFacts(c, "en").daysLeft);
      for (const lang of ["zh", "en"] as const) checkCase(c, renderCustomerReminder([r], { language: lang, customerName: "示例科技", partner }), [lang]);
      const both = renderCustomerReminder([r], { language: "bilingual", customerName: "示例科技", partner });
      checkCase(c, both, ["zh", "en"]);
      expect(both.subject).toMatch(/】.* \/ \[/); // zh subject / en subject
      expect(both.html).toContain('lang="zh-CN"');
      expect(both.html).toContain('lang="en"');
    });

    it(`digest: ${c.phase} (${c.tz}) in zh and en`, () => {
      const r = reminderFor(c);
      const { digests } = buildDigests({
        reminders: [r],
        directory: new Map([["cust-1", { customer_id: "cust-1", contacts: [], channels: [{ type: "email" as const }], account_manager: { name: "Li", email: "li@acme.example" } }]]),
        customerNames: new Map([["cust-1", "示例科技"]]),
      });
      for (const lang of ["zh", "en"] as const) {
        const m = renderDigest(digests[0]!, { language: lang, date: c.now.slice(0, 10), partner });
        const { facts } = expectedFacts(c, lang);
        for (const f of facts) expect(m.text, `${c.phase}/${lang}: ${f}`).toContain(f);
        expect(m.text).toContain(lang === "zh" ? "客户：示例科技（cust-1）" : "Customer: 示例科技 (cust-1)");
        expect(m.subject).toContain(c.now.slice(0, 10));
        if (c.phase === "data deleted today") expect(m.subject).toContain(lang === "zh" ? "【今日删除数据】" : "[Data deleted today]");
      }
    });
  }

  it("auto-renew report: every state in zh and en, with amount, period and the expiry in the report's zone", () => {
    const base = { customerId: "c1", mainResourceId: "ecs-1", resourceName: "web", region: "cn-north-4", expireTime: EXPIRE, period: { type: 3 as const, num: 2 } };
    const states = [
      { state: "dry-run" as const, wouldRenew: true, amount: 170, currency: "CNY", en: "DRY RUN: would renew web (ecs-1, cn-north-4) for 2 years for ¥170.00", zh: "演练：将为 web (ecs-1, cn-north-4) 续费 2 年，金额 ¥170.00" },
      { state: "paid" as const, amount: 12.5, currency: "USD", orderIds: ["o-1"], en: "order o-1 paid, $12.50", zh: "订单 o-1 已支付，金额 $12.50" },
      { state: "skipped" as const, reason: "price above the safety cap of 100", en: "Auto-renew skipped for web (ecs-1, cn-north-4): price above the safety cap of 100", zh: "已跳过 web (ecs-1, cn-north-4) 的自动续费" },
      { state: "failed" as const, code: "CBC.30000067", reason: "insufficient balance", orderIds: ["o-2"], en: "Auto-renew FAILED for web (ecs-1, cn-north-4): CBC.30000067 — insufficient balance (order o-2 left unpaid)", zh: "自动续费失败：CBC.30000067" },
    ];
    for (const s of states) {
      const { en, zh, ...facts } = s;
      for (const [lang, phrase] of [["en", en], ["zh", zh]] as const) {
        const m = renderAutoRenewReport({ ...base, ...facts }, { language: lang, timeZone: "Asia/Shanghai", partner });
        expect(m.text, `${s.state}/${lang}`).toContain(phrase);
        expect(m.text).toContain(localDateTime(Date.parse(EXPIRE), "Asia/Shanghai"));
        expect(m.subject).toContain("ecs-1");
        expect(textOfHtml(m.html)).toContain(phrase);
      }
    }
  });
});

describe("template files: shipped defaults, overrides validated at load", () => {
  it("the embedded defaults are the .yml files of the repo (npm run templates:embed)", () => {
    expect(readFileSync(resolve(import.meta.dirname, "../../../shared/notify/templates/defaults.ts"), "utf8")).toBe(embeddedTemplatesModule());
    expect([...defaultTemplateFiles().keys()].sort()).toEqual([...TEMPLATE_FILES].sort());
    for (const f of defaultTemplateFiles().values()) validateTemplateFile(f);
  });

  const reminderEn = readFileSync(resolve(import.meta.dirname, "../../../shared/notify/templates/reminder.en.yml"), "utf8");
  const lineOf = (src: string, needle: string) => src.split("\n").findIndex((l) => l.includes(needle)) + 1;

  it("a broken override is refused with its file and line; the default is used; reported once", () => {
    const broken = new Map([
      // Liquid syntax error inside a block scalar (the next_step key): the line of the broken tag
      ["reminder.en.yml", reminderEn.replace("{%- endcase -%}", "{%- endcaes -%}")],
      // misspelt variable: found by the validation render (strict variables)
      ["reminder.zh.yml", readFileSync(resolve(import.meta.dirname, "../../../shared/notify/templates/reminder.zh.yml"), "utf8").replace("{{ customer.name }}", "{{ customer.nmae }}")],
      // YAML error
      ["digest.en.yml", "subject: [unclosed\ntitle: x\n"],
      // unknown key
      ["digest.zh.yml", "subject: a\ntitel: b\n"],
    ]);
    const problems: TemplateProblem[] = [];
    const set = buildTemplateSet(broken, validateTemplateFile, (p) => problems.push(p));
    expect(set.overridden).toEqual([]);
    const byFile = new Map(problems.map((p) => [p.file, p]));
    expect(byFile.get("reminder.en.yml")).toMatchObject({ line: lineOf(reminderEn, "{%- endcase -%}") });
    expect(byFile.get("reminder.zh.yml")?.message).toMatch(/customer\.nmae|nmae/);
    expect(byFile.get("reminder.zh.yml")?.line).toBe(lineOf(readFileSync(resolve(import.meta.dirname, "../../../shared/notify/templates/reminder.zh.yml"), "utf8"), "{{ customer.name }}"));
    expect(byFile.get("digest.en.yml")?.message).toMatch(/YAML/);
    expect(byFile.get("digest.zh.yml")).toMatchObject({ line: 2, message: expect.stringMatching(/unknown key "titel"/) });
    // The defaults render every reminder.
    const r = sampleReminder();
    expect(renderCustomerReminder([r], { language: "en", templates: set }).subject).toBe("[Renewal reminder] web-01 expires in 3 days");
  });

  it("a valid override is used; one failing only at send time falls back to the default, reported once", () => {
    const custom = reminderEn.replace("[Renewal reminder] {{ first.name }} expires in {{ first.days_left }} days", "{{ partner.name }}: {{ first.name }} ends in {{ first.days_left }} days{% if first.days_left == 42 %}{{ no_such_thing }}{% endif %}");
    const problems: TemplateProblem[] = [];
    const set = buildTemplateSet(new Map([["reminder.en.yml", custom]]), validateTemplateFile, (p) => problems.push(p));
    expect(set.overridden).toEqual(["reminder.en.yml"]);
    expect(renderCustomerReminder([sampleReminder()], { language: "en", partner, templates: set }).subject).toBe("Acme Cloud Partner: web-01 ends in 3 days");
    const at42 = { ...sampleReminder(), daysLeft: 42 };
    for (const r of [at42, at42]) expect(renderCustomerReminder([r], { language: "en", partner, templates: set }).subject).toBe("[Renewal reminder] web-01 expires in 42 days");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: "reminder.en.yml", message: expect.stringMatching(/no_such_thing/) });
  });

  it("partner templates cannot reach files, prototypes or run unbounded", () => {
    const attempts = [
      reminderEn.replace("title: Yearly/monthly resource renewal reminder", "title: \"{% include 'reminder.zh.yml' %}\""),
      reminderEn.replace("title: Yearly/monthly resource renewal reminder", 'title: "{{ r.constructor.name }}{{ customer.constructor }}"'),
      reminderEn.replace("title: Yearly/monthly resource renewal reminder", 'title: "{% for i in (1..100000000) %}x{% endfor %}"'),
    ];
    for (const src of attempts) {
      const problems: TemplateProblem[] = [];
      const set = buildTemplateSet(new Map([["reminder.en.yml", src]]), validateTemplateFile, (p) => problems.push(p));
      expect(set.overridden, src.slice(0, 0)).toEqual([]);
      expect(problems).toHaveLength(1);
    }
    expect(() => compileTemplateFile("evil.yml", "subject: x")).toThrow(/unknown template file/);
  });

  it("overrides come from the config bucket under the prefix; a refused one is logged with file and line, never its text", async () => {
    const objects = new Map([
      ["renewal/templates/reminder.en.yml", reminderEn.replace("[Renewal reminder] {{ first.name }} expires in {{ first.days_left }} days", "Acme: {{ first.name }} in {{ first.days_left }}d")],
      ["renewal/templates/digest.en.yml", "subject: {% if %}\n"],
      ["renewal/templates/notes.txt", "ignored"],
    ]);
    const bucket = {
      name: "cfg",
      list: async (prefix: string) => [...objects.keys()].filter((k) => k.startsWith(prefix)).map((key): ObjectSummary => ({ key, size: objects.get(key)!.length, etag: undefined, lastModified: undefined })),
      get: async (key: string) => ({ body: new TextEncoder().encode(objects.get(key)!), contentType: undefined, contentLength: 0, etag: undefined, metadata: {}, lastModified: undefined }),
    } as unknown as Bucket;
    const logged: { message: string; extra: Record<string, unknown> }[] = [];
    const log = { error: (message: string, extra: Record<string, unknown>) => logged.push({ message, extra }), info: () => {} };
    const set = await loadTemplateSet(bucket, "renewal/templates/", log);
    expect(set.overridden).toEqual(["reminder.en.yml"]);
    expect(logged).toEqual([{ message: "message template refused; the shipped default is used", extra: { file: "renewal/templates/digest.en.yml", line: 1, problem: expect.any(String) } }]);
    expect(JSON.stringify(logged)).not.toContain("{% if %}");
    expect(renderCustomerReminder([sampleReminder()], { language: "en", templates: set }).subject).toBe("Acme: web-01 in 3d");
  });
});

describe("HTML layout and plain-text part", () => {
  it("one 600px table card, balanced tags, every value escaped, only https links, a text part with the same facts", () => {
    const evil = sampleReminder({ name: '<script>alert(1)</script>"x' });
    const m = renderCustomerReminder([evil, sampleReminder({ customerId: "cust-1", expire: "2026-07-05T15:59:59Z" })], { language: "bilingual", customerName: "<b>Co</b>", partner });
    expect(m.html.startsWith("<!doctype html>")).toBe(true);
    expect(m.html).toContain('width="600"');
    expect(m.html).not.toMatch(/<script|<b>Co/);
    expect(m.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;&quot;x");
    expect(m.html).not.toMatch(/<(link|img|style|iframe)\b/);
    for (const href of m.html.matchAll(/href="([^"]*)"/g)) expect(href[1]).toMatch(/^https:\/\//);
    // Balanced structure: every opened table/tr/td/p/h1/h2/a is closed, in order.
    const stack: string[] = [];
    for (const t of m.html.matchAll(/<(\/?)(table|tr|td|p|h1|h2|a|html|body|head|title)\b[^>]*>/g)) {
      if (t[1]) expect(stack.pop()).toBe(t[2]);
      else stack.push(t[2]!);
    }
    expect(stack).toEqual([]);
    expect(m.text).toContain('<script>alert(1)</script>"x'); // the text part is plain text
    expect(m.text).toContain("https://portal.acme.example/renew?resource=ecs-1&region=cn-north-4");
    // Renewal link per resource, ids URL-encoded.
    expect(renderCustomerReminder([{ ...evil, mainResourceId: "a b&c" }], { language: "en", partner }).text).toContain("resource=a%20b%26c");
  });

  it("no link when none is configured or the configured one is not https", () => {
    for (const renewUrl of ["", "http://insecure.example/{resource_id}", "javascript:alert(1)"]) {
      const m = renderCustomerReminder([sampleReminder()], { language: "en", partner: { ...partner, renewUrl } });
      expect(m.html).not.toContain("href=");
      expect(m.text).not.toContain("Renew on Huawei Cloud");
    }
  });
});

describe("delivery: identity, language and outbox folder", () => {
  it("a contact without a language gets the reminder in zh and en; the sender is the partner's", async () => {
    const sent: Parameters<EmailSender["send"]>[0][] = [];
    const r = sampleReminder();
    await deliverReminders({
      runDate: "2026-06-27",
      customer: { customerId: "cust-1", entry: { customer_id: "cust-1", contacts: [{ name: "Ops", email: "ops@c.example" }], channels: [{ type: "email" }] } },
      reminders: [r],
      ledger: new MemLedger(),
      email: { send: async (m) => (sent.push(m), "id") },
      http: { post: async () => ({ status: 200, body: "" }) },
      resolveRef: async () => "",
      digest: { put: async () => {}, listPending: async () => new Map(), get: async () => undefined as never, delete: async () => {} },
      options: { unlisted: "skip", ccAccountManager: false, staleAfterSeconds: 150, partner },
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toBe("【续费提醒】web-01 将在 3 天后到期 / [Renewal reminder] web-01 expires in 3 days");
    expect(sent[0]!.text).toContain("剩余 3 天");
    expect(sent[0]!.text).toContain("3 days left");
    expect(sent[0]!.runDate).toBe("2026-06-27");
  });

  it("the outbox folder is the scan's run date (China time), not the UTC date", async () => {
    const puts: string[] = [];
    const bucket = { name: "cfg", put: async (key: string) => (puts.push(key), { etag: undefined }) } as unknown as Bucket;
    // 2026-07-01T17:30Z is already 2 July in China, still 1 July in UTC.
    const now = () => new Date("2026-07-01T17:30:00Z");
    const outbox = outboxEmailSender({ from: { name: "Acme Renewals", address: "renewals@acme.example" }, bucket, prefix: "outbox/", timeZone: "Asia/Shanghai", now });
    const msg = { to: ["a@b.example"], cc: [], subject: "s", text: "t", html: "<p>t</p>", headers: {} };
    await outbox.send(msg);
    await outbox.send({ ...msg, runDate: "2026-07-01" });
    expect(puts.map((k) => k.split("/")[1])).toEqual(["2026-07-02", "2026-07-01"]);
  });
});

describe("untrusted names in every format (property)", () => {
  it("any resource or customer name: HTML only has the layout's tags, the text part has no control characters", async () => {
    const fc = (await import("fast-check")).default;
    const allowed = new Set(["html", "head", "meta", "title", "body", "table", "tr", "td", "h1", "h2", "p", "a", "br", "hr"]);
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), (name, customerName) => {
        const r = sampleReminder({ name: name || "x" });
        const m = renderCustomerReminder([r], { language: "bilingual", customerName, partner });
        for (const t of m.html.matchAll(/<\/?([a-zA-Z0-9!]+)/g)) expect(allowed.has(t[1]!.toLowerCase()) || t[1] === "!doctype").toBe(true);
        expect(m.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/);
        expect(m.subject).not.toMatch(/[\r\n]/);
      }),
      { numRuns: 200, seed: 1616 },
    );
  });
});
