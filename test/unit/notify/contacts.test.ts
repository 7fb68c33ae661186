import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type DirectoryError,
  formatDirectoryError,
  indexDirectory,
  parseContactsCsv,
  parseContactsDirectory,
  parseContactsJson,
} from "../../../shared/notify/contacts.ts";
import { CsvSyntaxError, csvField, parseCsv } from "../../../shared/notify/csv.ts";

const good = {
  customer_id: "cust-1",
  contacts: [{ name: "Li Lei", email: "ops@example.cn", phone: "+86 138 0000 0000" }],
  account_manager: { name: "Han Meimei", email: "am@partner.example" },
  language: "en",
  time_zone: "America/New_York",
  channels: [
    { type: "email" },
    { type: "dingtalk", url_ref: "ssm:/partner-ops/dingtalk/acme", secret_ref: "ssm:/partner-ops/dingtalk/acme-secret" },
    { type: "feishu", url: "https://open.feishu.cn/open-apis/bot/v2/hook/abc", secret_ref: "env:FEISHU_ACME" },
    { type: "wecom", url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k" },
    { type: "webhook", url: "https://hooks.example.cn/renewals", secret_ref: "secretsmanager:webhook/acme" },
  ],
};

const fieldsOf = (errors: DirectoryError[]) => errors.map((e) => [e.row, e.field]);

describe("contacts directory — JSON", () => {
  it("accepts a complete entry and fills defaults", () => {
    const d = parseContactsJson(JSON.stringify([good, { customer_id: "cust-2", contacts: [{ name: "Wang", email: "w@example.cn" }] }]));
    expect(d.errors).toEqual([]);
    expect(d.entries).toHaveLength(2);
    expect(d.entries[0]).toEqual(good);
    // No language: unknown — the customer's reminders go out bilingual.
    expect(d.entries[1]).toEqual({ customer_id: "cust-2", contacts: [{ name: "Wang", email: "w@example.cn" }], channels: [{ type: "email" }] });
    expect(indexDirectory(d.entries).get("cust-2")?.language).toBeUndefined();
    expect(parseContactsJson(JSON.stringify({ customers: [good] })).entries).toHaveLength(1);
  });

  it("returns every error with its entry number and field, and keeps the valid entries", () => {
    const d = parseContactsJson(
      JSON.stringify([
        good,
        { customer_id: "bad-1", contacts: [{ name: "", email: "not-an-email" }], language: "fr" },
        { customer_id: "bad-2", channels: [{ type: "dingtalk", url: "https://evil.example/robot/send?access_token=x" }, { type: "webhook", url: "http://hooks.example.cn/x" }] },
        { customer_id: "bad-3", channels: [{ type: "email" }] },
        { customer_id: "bad-4", channels: [{ type: "feishu", url: "https://open.feishu.cn/x", url_ref: "env:X" }, { type: "webhook", url: "https://h.example/x", secret_ref: "SEC0123456789" }] },
        { customer_id: "bad-5", time_zone: "Mars/Base", channels: [{ type: "pager" }] },
        { ...good },
        "not an object",
      ]),
    );
    expect(d.entries.map((e) => e.customer_id)).toEqual(["cust-1"]);
    expect(fieldsOf(d.errors)).toEqual([
      [2, "contacts[0].name"],
      [2, "contacts[0].email"],
      [2, "language"],
      [3, "channels[0].url"],
      [3, "channels[1].url"],
      [3, "channels[1].secret_ref"],
      [4, "contacts"],
      [5, "channels[0].url"],
      [5, "channels[1].secret_ref"],
      [6, "time_zone"],
      [6, "channels[0].type"],
      [7, "customer_id"],
      [8, "(entry)"],
    ]);
    const byRow = (row: number) => d.errors.filter((e) => e.row === row).map(formatDirectoryError).join("\n");
    expect(byRow(2)).toMatch(/row 2 \(customer bad-1\), contacts\[0\]\.email: is not a valid email address/);
    expect(byRow(3)).toMatch(/host must be oapi\.dingtalk\.com/);
    expect(byRow(3)).toMatch(/must use https/);
    expect(byRow(4)).toMatch(/email channel needs at least one contact/);
    expect(byRow(5)).toMatch(/exactly one of url and url_ref/);
    expect(byRow(5)).toMatch(/secret reference/);
    expect(byRow(7)).toMatch(/duplicate customer_id \(first at row 1\)/);
    // Messages never echo URLs or secret values.
    const all = d.errors.map(formatDirectoryError).join("\n");
    expect(all).not.toContain("evil.example");
    expect(all).not.toContain("SEC0123456789");
  });

  it("reports a broken file as one file-level error", () => {
    expect(parseContactsJson("{oops").errors).toMatchObject([{ row: 0, field: "(file)" }]);
    expect(parseContactsJson('{"x":1}').errors[0]?.message).toMatch(/expected an array/);
  });
});

const HEADER = "customer_id,contact_name,contact_email,contact_phone,account_manager_name,account_manager_email,language,time_zone,channel,channel_url,channel_url_ref,channel_secret_ref";

describe("contacts directory — CSV", () => {
  it("merges rows per customer (contacts and channels), with quoted fields and CRLF", () => {
    const csv = [
      HEADER,
      'cust-1,"Li, Lei",ops@example.cn,+86 138 0000 0000,Han Meimei,am@partner.example,en,America/New_York,email,,,',
      "cust-1,Wang,w@example.cn,,,,,,dingtalk,,ssm:/dt/acme,ssm:/dt/acme-secret",
      "cust-1,,,,Han Meimei,,,,webhook,https://hooks.example.cn/r,,env:HOOK",
      "",
      "cust-2,Zhao,z@example.cn,,,,,,,,,",
    ].join("\r\n");
    const d = parseContactsCsv(csv);
    expect(d.errors).toEqual([]);
    expect(d.entries).toEqual([
      {
        customer_id: "cust-1",
        contacts: [
          { name: "Li, Lei", email: "ops@example.cn", phone: "+86 138 0000 0000" },
          { name: "Wang", email: "w@example.cn" },
        ],
        account_manager: { name: "Han Meimei", email: "am@partner.example" },
        language: "en",
        time_zone: "America/New_York",
        channels: [
          { type: "email" },
          { type: "dingtalk", url_ref: "ssm:/dt/acme", secret_ref: "ssm:/dt/acme-secret" },
          { type: "webhook", url: "https://hooks.example.cn/r", secret_ref: "env:HOOK" },
        ],
      },
      { customer_id: "cust-2", contacts: [{ name: "Zhao", email: "z@example.cn" }], channels: [{ type: "email" }] },
    ]);
  });

  it("gives every bad row its line number and field, and keeps the good rows", () => {
    const csv = [
      HEADER, // line 1
      "cust-1,Li,ops@example.cn,,Han,am@partner.example,zh,,email,,,", // 2 ok
      "cust-1,,,,Other AM,,,,,,,", // 3 conflicting account manager
      ",Nobody,n@example.cn,,,,,,,,,", // 4 no customer id
      "cust-2,Zhao,not-mail,,,,,,,,,", // 5 bad email
      "cust-3,Qian,q@example.cn,,,,de,Mars/Base,,,,", // 6 bad language + zone
      "cust-4,Sun,s@example.cn,,,,,,fax,,,", // 7 unknown channel
      "cust-5,,,,,,,,wecom,https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k,,env:NOPE", // 8 secret not used by wecom
      "cust-6,,,,,,,,,https://hooks.example.cn/x,,", // 9 url without channel
      "cust-7,,,,Zhou,,,,wecom,,env:W,", // 10 manager without email → customer rejected at merge
      "cust-8,Wu,wu@example.cn,,,,,,,,,,extra", // 11 too many fields
      "cust-9,Zheng,zheng@example.cn,,,,,,,,,", // 12 ok
    ].join("\n");
    const d = parseContactsCsv(csv);
    expect(d.entries.map((e) => e.customer_id)).toEqual(["cust-1", "cust-9"]);
    expect(fieldsOf(d.errors)).toEqual([
      [3, "account_manager_name"],
      [4, "customer_id"],
      [5, "contact_email"],
      [6, "language"],
      [6, "time_zone"],
      [7, "channel"],
      [8, "(row)"],
      [9, "channel"],
      [10, "account_manager_email"],
      [11, "(row)"],
    ]);
    const text = d.errors.map(formatDirectoryError).join("\n");
    expect(text).toMatch(/row 3 \(customer cust-1\), account_manager_name: conflicts with row 2/);
    expect(text).toMatch(/row 8 \(customer cust-5\), \(row\): column not used by the wecom channel: channel_secret_ref/);
    expect(text).toMatch(/row 10 \(customer cust-7\), account_manager_email: .*customer ignored; rows 10/);
    expect(text).not.toContain("qyapi.weixin.qq.com");
  });

  it("checks the header", () => {
    expect(fieldsOf(parseContactsCsv("customer,contact_email\nx,y@example.cn").errors)).toEqual([
      [1, "customer"],
      [1, "customer_id"],
    ]);
    expect(parseContactsCsv("customer_id,customer_id\nx,x").errors[0]?.message).toMatch(/twice/);
    expect(parseContactsCsv("").errors[0]?.message).toMatch(/header/);
    expect(parseContactsCsv('customer_id\n"unclosed').errors).toMatchObject([{ row: 2, field: "(file)" }]);
  });

  it("picks the parser from the name or the content", () => {
    const json = JSON.stringify([good]);
    expect(parseContactsDirectory(json).entries).toHaveLength(1);
    expect(parseContactsDirectory(json, "contacts/directory.JSON").entries).toHaveLength(1);
    expect(parseContactsDirectory(`${HEADER}\ncust-9,Z,z@example.cn,,,,,,,,,`, "dir.csv").entries).toHaveLength(1);
    expect(parseContactsDirectory("x", "dir.xlsx").errors[0]?.message).toMatch(/unsupported/);
  });

  it("CSV and JSON agree on any generated directory", () => {
    const entryArb = fc.record({
      customer_id: fc.stringMatching(/^[0-9a-f]{6,12}$/),
      contacts: fc.array(fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s.length > 0), email: fc.stringMatching(/^[a-z0-9]{1,8}(\.[a-z0-9]{1,5})?@[a-z0-9]{1,8}\.(cn|com|example)$/) }), { minLength: 1, maxLength: 3 }),
      language: fc.constantFrom("zh", "en"),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entryArb, { selector: (e) => e.customer_id, maxLength: 6 }), (entries) => {
        const rows = entries.flatMap((e) => e.contacts.map((c, i) => [e.customer_id, c.name, c.email, "", "", "", i === 0 ? e.language : "", "", "", "", "", ""].map(csvField).join(",")));
        const fromCsv = parseContactsCsv([HEADER, ...rows].join("\n"));
        const fromJson = parseContactsJson(JSON.stringify(entries));
        expect(fromJson.errors).toEqual([]);
        expect(fromCsv.errors).toEqual(fromJson.errors);
        expect(fromCsv.entries).toEqual(fromJson.entries);
      }),
      { numRuns: 200 },
    );
  });
});

describe("CSV reader", () => {
  it("round-trips any table through csvField", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ maxLength: 12 }), { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 6 }), (table) => {
        const text = table.map((r) => r.map(csvField).join(",")).join("\r\n");
        const parsed = parseCsv(text).map((r) => r.fields);
        // Blank-looking rows (a single empty cell) are not produced because rows have ≥2 cells.
        expect(parsed).toEqual(table);
      }),
    );
  });

  it("reports line numbers, including after multi-line quoted fields", () => {
    const recs = parseCsv('a,b\n"x\ny",z\n\nlast,1');
    expect(recs.map((r) => r.line)).toEqual([1, 2, 5]);
    expect(recs[1]?.fields).toEqual(["x\ny", "z"]);
    expect(() => parseCsv('a,"b"c')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b"c"')).toThrow(/quote may only open a field/);
    expect(parseCsv("\ufeffa,b")[0]?.fields).toEqual(["a", "b"]);
  });
});
