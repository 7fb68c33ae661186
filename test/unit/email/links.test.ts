import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findEmails, findUrls, hostAllowed, judgeLink, shownTarget } from "../../../shared/email/links.ts";
import { decodeEntities, htmlToText } from "../../../shared/email/text.ts";

const HUAWEI = ["huaweicloud.com", "huawei.com"];
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);

describe("domain allow-list", () => {
  it("matches whole labels from the right", () => {
    expect(hostAllowed("info.huaweicloud.com", HUAWEI)).toBe(true);
    expect(hostAllowed("HUAWEICLOUD.COM.", HUAWEI)).toBe(true);
    expect(hostAllowed("huaweicloud-partner.example", HUAWEI)).toBe(false);
    expect(hostAllowed("huaweicloud.com.invoice-portal.example", HUAWEI)).toBe(false);
    expect(hostAllowed("evilhuaweicloud.com", HUAWEI)).toBe(false);
    expect(hostAllowed("", HUAWEI)).toBe(false);
  });

  it("property: subdomains pass, look-alikes built from the same text fail", () => {
    fc.assert(
      fc.property(label, label, fc.constantFrom(...HUAWEI), (a, b, d) => {
        expect(hostAllowed(`${a}.${d}`, HUAWEI)).toBe(true);
        expect(hostAllowed(`${a}.${b}.${d}`, HUAWEI)).toBe(true);
        expect(hostAllowed(`${d}.${a}.example`, HUAWEI)).toBe(false);
        expect(hostAllowed(`${a}-${d}`, HUAWEI)).toBe(false);
        expect(hostAllowed(`${a}${d}`, HUAWEI)).toBe(HUAWEI.includes(`${a}${d}`));
      }),
      { numRuns: 500 },
    );
  });
});

describe("link judging (by href, never by text)", () => {
  it("the fixture-08 trick: text shows account.huaweicloud.com, href goes elsewhere", () => {
    const v = judgeLink(
      "https://huaweicloud.com.invoice-portal.example/obmgr/incentive/invoicingList?applyNo=1",
      "https://account.huaweicloud.com/obmgr/#/obmgr/incentive/invoicingList?applyNo=1",
      HUAWEI,
    );
    expect(v).toMatchObject({ kind: "web", allowed: false, mismatch: true, targets: ["huaweicloud.com.invoice-portal.example"] });
  });

  it("a trusted href with a harmless caption is fine; a caption showing another host is a mismatch", () => {
    expect(judgeLink("https://account.huaweicloud.com/x", "查看开票清单", HUAWEI)).toMatchObject({ allowed: true, mismatch: false });
    expect(judgeLink("https://www.huaweicloud.com/x", "huaweicloud.com", HUAWEI)).toMatchObject({ allowed: true, mismatch: false });
    expect(judgeLink("https://support.huaweicloud.com/x", "https://account.huaweicloud.com/", HUAWEI)).toMatchObject({ allowed: true, mismatch: true });
    expect(judgeLink("https://account.huaweicloud.com/x", "invoice.pdf", HUAWEI).mismatch).toBe(false);
  });

  it("URL parser tricks resolve to the real host", () => {
    expect(judgeLink("https://account.huaweicloud.com@evil.example/", "", HUAWEI).allowed).toBe(false);
    expect(judgeLink("https://evil.example\\@huaweicloud.com/", "", HUAWEI).allowed).toBe(false);
    expect(judgeLink("https://huaweiclоud.com/", "", HUAWEI).allowed).toBe(false); // Cyrillic о
    expect(judgeLink("//evil.example/x", "", HUAWEI).allowed).toBe(false);
    expect(judgeLink("www.evil.example/x", "", HUAWEI).allowed).toBe(false);
    expect(judgeLink(" HTTPS://ACCOUNT.HUAWEICLOUD.COM/x ", "", HUAWEI).allowed).toBe(true);
  });

  it("unsafe schemes are never allowed; tel:, cid: and anchors are ignored", () => {
    for (const h of ["javascript:alert(1)", "JaVaScRiPt:x", "data:text/html,x", "vbscript:x", "file:///etc/passwd", "ftp://huaweicloud.com/"]) {
      expect(judgeLink(h, "", HUAWEI).allowed, h).toBe(false);
    }
    for (const h of ["tel:+86-28-0000", "cid:logo@x", "#top", "/relative/path", ""]) {
      expect(judgeLink(h, "", HUAWEI)).toMatchObject({ kind: "ignored", allowed: true });
    }
  });

  it("mailto: every address must be on the list; the shown address must be the real one", () => {
    expect(judgeLink("mailto:fixture-einvoice@huaweicloud.com", "fixture-einvoice@huaweicloud.com", HUAWEI)).toMatchObject({ allowed: true, mismatch: false });
    expect(judgeLink("mailto:a@huaweicloud.com,b@evil.example?subject=x", "", HUAWEI).allowed).toBe(false);
    expect(judgeLink("mailto:finance@mail-invoice.example", "invoice@huaweicloud.com", HUAWEI)).toMatchObject({ allowed: false, mismatch: true });
    expect(judgeLink("mailto:%61@huaweicloud.com", "a@huaweicloud.com", HUAWEI)).toMatchObject({ allowed: true, mismatch: false });
  });

  it("what the text shows", () => {
    expect(shownTarget("查看开票清单")).toBeNull();
    expect(shownTarget("访问 www.example.com 了解")?.host).toBe("www.example.com");
    expect(shownTarget("https://user@evil.example:8443/x")?.host).toBe("evil.example");
  });
});

describe("URLs and addresses in text", () => {
  it("trims trailing punctuation and stops at CJK punctuation", () => {
    expect(findUrls("见 https://a.huaweicloud.com/x?y=1。谢谢").map((u) => u.value)).toEqual(["https://a.huaweicloud.com/x?y=1"]);
    expect(findUrls("(see https://a.example/p).").map((u) => u.value)).toEqual(["https://a.example/p"]);
    expect(findUrls("[https://a.example/b]").map((u) => u.value)).toEqual(["https://a.example/b"]);
    expect(findEmails("发送到公共邮箱：fixture-einvoice@huaweicloud.com，邮件主题").map((e) => e.value)).toEqual(["fixture-einvoice@huaweicloud.com"]);
  });
});

describe("HTML to text", () => {
  it("keeps table cells apart, drops head/script/style, records links with their text positions", () => {
    const h = htmlToText(
      `<html><head><title>T</title><style>p{}</style></head><body><script>var a="<p>x</p>";</script>
       <table><tr><td>申付单号</td><td><b>SF1</b></td></tr></table>
       <p>点击 <a href="https://a.huaweicloud.com/?a=1&amp;b=2">查看<br>开票清单</a> 或 <A HREF='mailto:x@huawei.com'>邮件</A></p>
       <map><area href="https://evil.example/" alt="map"></map><form action="https://evil.example/post"></form></body></html>`,
    );
    expect(h.text).toContain("申付单号\tSF1");
    expect(h.text).not.toContain("var a");
    expect(h.text).not.toMatch(/^T/);
    expect(h.links.map((l) => l.href)).toEqual(["https://a.huaweicloud.com/?a=1&b=2", "mailto:x@huawei.com", "https://evil.example/", "https://evil.example/post"]);
    const a = h.links[0]!;
    expect(h.text.slice(a.start, a.end)).toBe("查看\n开票清单");
    expect(a.text).toBe("查看\n开票清单");
  });

  it("survives malformed markup", () => {
    for (const bad of ["<a href='x", "<<<>>>", "<table><td>a<td>b", "</a></a><a>", "<!-- never closed", "<script>", "<p title=\"a>b\">t</p>"]) {
      expect(() => htmlToText(bad)).not.toThrow();
    }
    expect(htmlToText('<p title="a>b">t</p>').text.trim()).toBe("t");
  });

  it("property: text in a cell comes back exactly (entities decoded, whitespace collapsed)", () => {
    const word = fc.string({ unit: fc.constantFrom(..."abcXYZ申付单号￥¥&<>\"'0123456789-:："), minLength: 1, maxLength: 12 });
    const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), (words) => {
        const h = htmlToText(`<table><tr><td>label</td><td> ${words.map(esc).join("  \n ")} </td></tr></table>`);
        expect(h.text.trim()).toBe(`label\t${words.join(" ")}`);
      }),
      { numRuns: 300 },
    );
  });

  it("decodes numeric and named references", () => {
    expect(decodeEntities("&yen;10&#44;600&#x2E;00 &amp;nbsp; &#0; &bogus;")).toBe("¥10,600.00 &nbsp; \ufffd &bogus;");
  });
});
