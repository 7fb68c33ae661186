import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contactEntrySchema, indexDirectory } from "../../../shared/notify/contacts.ts";
import { buildDigests, renderDigest } from "../../../shared/notify/digest.ts";
import { escapeHtml, escapeMarkdown, formatInZone, renderCustomerReminder, sortByUrgency } from "../../../shared/notify/templates.ts";
import { sampleReminder } from "./fixtures.ts";

describe("customer reminder templates", () => {
  it("zh-CN: master with attached resources, region, local expiry, days left, what happens next", () => {
    const r = sampleReminder(); // V3: 7 days grace, 7 days retention; expires 30 June 23:59:59 Shanghai
    const m = renderCustomerReminder([r], { language: "zh", customerName: "示例科技" });
    expect(m.subject).toBe("【续费提醒】web-01 将在 3 天后到期");
    for (const part of [m.text, m.html, m.markdown]) {
      expect(part).toContain("示例科技");
      expect(part).toContain("web-01 (ecs-1)");
      expect(part).toContain("data-disk (evs-1)");
      expect(part).toContain("eip-1");
      expect(part).toContain("cn-north-4");
      expect(part).toContain("2026-06-30 23:59 (Asia/Shanghai, UTC+08:00)");
      expect(part).toContain("剩余 3 天");
      expect(part).toContain("宽限期（约 7 天");
      expect(part).toContain("预计 2026-07-07 23:59 进入保留期（约 7 天");
      expect(part).toContain("预计 2026-07-14 23:59 释放资源并删除数据");
    }
    // Attached resources are listed under the master, in the text form as nested bullets.
    const lines = m.text.split("\n");
    const masterAt = lines.findIndex((l) => l.includes("主资源: 云服务器 · web-01 (ecs-1)"));
    expect(masterAt).toBeGreaterThan(0);
    expect(lines[masterAt + 1]).toMatch(/^ {4}- 附属资源: 弹性公网IP · eip-1$/);
    expect(lines[masterAt + 2]).toMatch(/^ {4}- 附属资源: 云硬盘 · data-disk \(evs-1\)$/);
  });

  it("auto-renew that did not happen: the subject and the next step say so (issue 12.6)", () => {
    const grace = sampleReminder({ now: "2026-07-01T14:00:00Z", status: 5, policy: 3 });
    expect(grace.autoRenewFailed).toBe(true);
    const en = renderCustomerReminder([grace], { language: "en" });
    expect(en.subject).toBe("[Auto-renewal failed] web-01 has expired — please renew manually");
    expect(en.text).toContain("The automatic renewal did not happen");
    expect(en.text).not.toContain("Auto-renew is on");
    const zh = renderCustomerReminder([sampleReminder({ now: "2026-07-09T01:00:00Z", status: 4, policy: 3 })], { language: "zh" });
    expect(zh.subject).toBe("【自动续费失败】web-01 已进入保留期，数据有删除风险");
    expect(zh.text).toContain("自动续费未成功");
    // A plain expired resource does not claim an automatic renewal failed.
    expect(renderCustomerReminder([sampleReminder({ now: "2026-07-01T14:00:00Z", status: 5 })], { language: "en" }).text).not.toContain("automatic renewal");
  });

  it("English, another zone, grace and retention wording", () => {
    const grace = sampleReminder({ now: "2026-07-01T14:00:00Z", status: 5, tz: "America/New_York" });
    const m = renderCustomerReminder([grace], { language: "en" });
    expect(m.subject).toBe("[Expired] web-01 is in its grace period — please renew");
    expect(m.text).toContain("2026-06-30 11:59 (America/New_York, UTC-04:00) — expired 1 day ago");
    expect(m.text).toContain("grace period (still usable)");
    expect(m.text).toContain("Dear cust-1,");
    const retention = sampleReminder({ now: "2026-07-09T01:00:00Z", status: 4 });
    const r = renderCustomerReminder([retention], { language: "en" });
    expect(r.subject).toMatch(/^\[Data at risk\]/);
    expect(r.text).toContain("frozen (retention period)");
    expect(r.text).toContain("Around 2026-07-14 23:59 it is released and its data deleted for good");
  });

  it("one message lists several groups, most urgent first", () => {
    const soon = sampleReminder({ now: "2026-06-29T01:00:00Z" }); // 1 day
    const frozen = { ...sampleReminder({ now: "2026-07-09T01:00:00Z", status: 4, name: "db-01" }), mainResourceId: "ecs-2" };
    const m = renderCustomerReminder([soon, frozen], { language: "zh" });
    expect(m.subject).toBe("【续费提醒】您有 2 项包年/包月资源即将到期或已到期");
    expect(m.text.indexOf("db-01")).toBeLessThan(m.text.indexOf("web-01"));
    expect(sortByUrgency([soon, frozen]).map((x) => x.mainResourceId)).toEqual(["ecs-2", "ecs-1"]);
    expect(() => renderCustomerReminder([], { language: "zh" })).toThrow(RangeError);
  });

  it("names an absent master by its id", () => {
    const r = { ...sampleReminder(), master: null, synthetic: "master-absent" as const, mainResourceId: "ecs-gone" };
    expect(renderCustomerReminder([r], { language: "en" }).text).toContain("ecs-gone (main resource not in the resource list)");
  });

  it("escapes customer-controlled names in HTML and Markdown", () => {
    const evil = sampleReminder({ name: `<script>alert("x")</script> **bold** <@all> [l](http://x)` });
    const m = renderCustomerReminder([evil], { language: "en" });
    expect(m.html).not.toContain("<script>");
    expect(m.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(m.markdown).not.toMatch(/<script>|<@all>|\*\*bold\*\*|\[l\]\(/);
    fc.assert(
      fc.property(fc.string(), (s) => {
        expect(escapeHtml(s)).not.toMatch(/[<>"']/);
        expect(escapeMarkdown(s)).not.toMatch(/[*`<>[\]#|~\\]/);
      }),
    );
  });

  it("formats times in the customer's zone", () => {
    expect(formatInZone("2026-03-01T15:59:59Z", "Asia/Shanghai")).toBe("2026-03-01 23:59 (Asia/Shanghai, UTC+08:00)");
    expect(formatInZone("2026-03-01T15:59:59Z", "Etc/GMT+12")).toBe("2026-03-01 03:59 (Etc/GMT+12, UTC-12:00)");
    expect(formatInZone("2026-03-01T15:59:59Z", "Pacific/Kiritimati")).toBe("2026-03-02 05:59 (Pacific/Kiritimati, UTC+14:00)");
  });
});

describe("account-manager digest", () => {
  const dir = indexDirectory([
    contactEntrySchema.parse({ customer_id: "c1", contacts: [{ name: "A", email: "a@x.cn" }], account_manager: { name: "Han", email: "Han@partner.example" } }),
    contactEntrySchema.parse({ customer_id: "c2", contacts: [{ name: "B", email: "b@x.cn" }], account_manager: { name: "Han", email: "han@partner.example" } }),
    contactEntrySchema.parse({ customer_id: "c3", contacts: [{ name: "C", email: "c@x.cn" }], account_manager: { name: "Li", email: "li@partner.example" } }),
    contactEntrySchema.parse({ customer_id: "c4", contacts: [{ name: "D", email: "d@x.cn" }] }),
  ]);

  it("one digest per manager with all of their customers' reminders, most urgent customer first", () => {
    const reminders = [
      sampleReminder({ customerId: "c1" }), // 3 days
      { ...sampleReminder({ customerId: "c1" }), mainResourceId: "ecs-9", keyString: "k9" },
      sampleReminder({ customerId: "c2", now: "2026-07-09T01:00:00Z", status: 4 }), // retention
      sampleReminder({ customerId: "c3" }),
      sampleReminder({ customerId: "c4" }),
      sampleReminder({ customerId: "c5" }), // not in the directory
    ];
    const { digests, unassigned } = buildDigests({ reminders, directory: dir, customerNames: new Map([["c2", "二号客户"]]) });
    expect(digests.map((d) => [d.manager.email.toLowerCase(), d.reminderCount, d.customers.map((c) => c.customerId)])).toEqual([
      ["han@partner.example", 3, ["c2", "c1"]],
      ["li@partner.example", 1, ["c3"]],
    ]);
    expect(unassigned.map((c) => c.customerId).sort()).toEqual(["c4", "c5"]);
    // Every reminder is in exactly one digest or in unassigned.
    const placed = [...digests.flatMap((d) => d.customers), ...unassigned].flatMap((c) => c.reminders);
    expect(placed).toHaveLength(reminders.length);

    const m = renderDigest(digests[0]!, { language: "zh", date: "2026-07-09" });
    expect(m.subject).toBe("【续费日报】2026-07-09：2 个客户共 3 项资源需要跟进");
    expect(m.text).toContain("客户：二号客户（c2）");
    expect(m.text).toContain("客户：c1（c1）");
    expect(m.text.indexOf("c2")).toBeLessThan(m.text.indexOf("（c1）"));
    const en = renderDigest(digests[1]!, { language: "en", date: "2026-07-09" });
    expect(en.subject).toBe("[Renewal digest] 2026-07-09: 1 resource across 1 customer to follow up");
    expect(en.html).toContain("Customer: c3 (c3)");
  });
});
