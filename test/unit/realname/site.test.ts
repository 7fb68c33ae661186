/**
 * The partner's Huawei site (HWC_SITE) selects the real-name rules (issue 12.7; reference
 * bss-contract.md, CreatePersonalRealnameAuth): on the international site a passport takes 2 files
 * (bio-data page, then the photo holding it) and there is no bank-card scheme (identify_type 4).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateApplication } from "../../../shared/realname/application.ts";
import { buildSubmission } from "../../../shared/realname/bss-request.ts";
import { HWC_SITES, VERIFIED_TYPES, requiredDocuments, type DocumentSelector, type HwcSite } from "../../../shared/realname/documents.ts";
import { planObjectKeys, planUploadSlotKeys } from "../../../shared/realname/keys.ts";
import { realnameSettings } from "../../../shared/realname-io/config.ts";
import { NOW, SAMPLE_ID, oracleIdCheck } from "./oracle.ts";

const ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const CN_PASSPORT = ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"];
const INTL_PASSPORT = ["passport_bio_page", "passport_handheld_bio_page"];
const PERMIT = ["permit_front", "permit_back", "permit_handheld_front"];

const selectorArb: fc.Arbitrary<DocumentSelector> = fc.oneof(
  fc.record({ type: fc.constantFrom("enterprise" as const, "change" as const), enterprise_person: fc.option(fc.constant({}), { nil: undefined }) }),
  fc.record({ type: fc.constant("individual" as const), identify_type: fc.constant(0 as const), verified_type: fc.constantFrom(...VERIFIED_TYPES) }),
  fc.constant({ type: "individual" as const, identify_type: 4 as const }),
);

const NUMBERS: Record<number, string> = {
  3: "G12345678",
  5: "H12345678",
  6: "12345678",
  9: "81000019900101123" + oracleIdCheck("81000019900101123"),
  10: "83000019900101123" + oracleIdCheck("83000019900101123"),
};

function individual(verifiedType: number, roles: readonly string[]): Record<string, unknown> {
  return {
    type: "individual",
    customer_id: "cust-1",
    identify_type: 0,
    verified_type: verifiedType,
    name: "John Smith",
    verified_number: NUMBERS[verifiedType],
    attachments: { mode: "upload", files: roles.map((role) => ({ role, size: 1000 })) },
  };
}

const bankCard = {
  type: "individual",
  customer_id: "cust-2",
  identify_type: 4,
  name: "李四",
  verified_number: SAMPLE_ID,
  bank_card_info: { bank_account: "6222020012345678901", areacode: "0086", mobile: "13800138000", verification_code: "123456" },
  attachments: { mode: "upload", files: [{ role: "face_photo", size: 5000 }] },
};

describe("requiredDocuments per site", () => {
  it("passport: 3 files on cn (default), 2 on intl; permits and enterprises the same on both", () => {
    const passport = { type: "individual", identify_type: 0, verified_type: 3 } as const;
    expect(requiredDocuments(passport)).toEqual(CN_PASSPORT);
    expect(requiredDocuments(passport, "cn")).toEqual(CN_PASSPORT);
    expect(requiredDocuments(passport, "intl")).toEqual(INTL_PASSPORT);
    for (const vt of [5, 6, 9, 10] as const) {
      for (const site of HWC_SITES) expect(requiredDocuments({ type: "individual", identify_type: 0, verified_type: vt }, site)).toEqual(PERMIT);
    }
    for (const site of HWC_SITES) {
      expect(requiredDocuments({ type: "enterprise" }, site)).toEqual(["company_certificate"]);
      expect(requiredDocuments({ type: "change", enterprise_person: {} }, site)).toEqual(["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"]);
    }
  });

  it("bank card: face photo on cn; no such scheme on intl", () => {
    expect(requiredDocuments({ type: "individual", identify_type: 4 }, "cn")).toEqual(["face_photo"]);
    expect(() => requiredDocuments({ type: "individual", identify_type: 4 }, "intl")).toThrow(/no bank-card scheme/);
  });

  it("property: intl differs from cn only for passports (one file fewer, the entry-stamp page) and bank cards (none); BSS's 4-file cap holds", () => {
    fc.assert(
      fc.property(selectorArb, (sel) => {
        const cn = requiredDocuments(sel, "cn");
        expect(cn.length).toBeGreaterThanOrEqual(1);
        expect(cn.length).toBeLessThanOrEqual(4);
        expect(new Set(cn).size).toBe(cn.length);
        if (sel.type === "individual" && sel.identify_type === 4) {
          expect(() => requiredDocuments(sel, "intl")).toThrow(RangeError);
          return;
        }
        const intl = requiredDocuments(sel, "intl");
        if (sel.type === "individual" && sel.verified_type === 3) {
          expect(intl).toEqual(cn.filter((r) => r !== "passport_entry_stamp_page"));
          expect(intl).toHaveLength(2);
        } else {
          expect(intl).toEqual(cn);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("validateApplication per site", () => {
  it("intl passport: exactly the 2 files (any order); the entry-stamp page is refused, the holding photo required", () => {
    const ok = validateApplication(individual(3, [...INTL_PASSPORT].reverse()), { now: NOW, site: "intl" });
    expect(ok.ok).toBe(true);
    const three = validateApplication(individual(3, CN_PASSPORT), { now: NOW, site: "intl" });
    expect(three).toMatchObject({ ok: false, errors: [{ field: "attachments.files[1].role", message: expect.stringContaining("not needed") }] });
    const missing = validateApplication(individual(3, ["passport_bio_page"]), { now: NOW, site: "intl" });
    expect(missing).toMatchObject({ ok: false, errors: [{ field: "attachments.files", message: expect.stringContaining("passport_handheld_bio_page") }] });
    // The China site still wants 3.
    expect(validateApplication(individual(3, INTL_PASSPORT), { now: NOW, site: "cn" })).toMatchObject({ ok: false, errors: [{ field: "attachments.files", message: expect.stringContaining("passport_entry_stamp_page") }] });
    expect(validateApplication(individual(3, CN_PASSPORT), { now: NOW }).ok).toBe(true);
  });

  it("intl refuses identify_type 4 on the field identify_type, saying why; cn accepts it", () => {
    expect(validateApplication(bankCard, { now: NOW, site: "cn" }).ok).toBe(true);
    const r = validateApplication(bankCard, { now: NOW, site: "intl" });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toEqual([{ field: "identify_type", message: expect.stringMatching(/international site has no bank-card scheme/) }]);
      expect(JSON.stringify(r.errors)).not.toContain(SAMPLE_ID);
    }
  });

  it("property: a body listing exactly the site's roles passes on that site", () => {
    fc.assert(
      fc.property(fc.constantFrom(...HWC_SITES), fc.constantFrom(...VERIFIED_TYPES), fc.boolean(), (site: HwcSite, vt, reverse) => {
        const roles = requiredDocuments({ type: "individual", identify_type: 0, verified_type: vt }, site);
        const r = validateApplication(individual(vt, reverse ? [...roles].reverse() : roles), { now: NOW, site });
        expect(r.ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe("keys and the BSS request per site", () => {
  it("intl passport: 2 slots, 2 objects, 2 paths in verified_file_url", () => {
    const v = validateApplication(individual(3, INTL_PASSPORT), { now: NOW, site: "intl" });
    if (!v.ok) throw new Error(JSON.stringify(v.errors));
    const app = v.value;
    expect(planUploadSlotKeys({ prefix: "rn", applicationId: ID, application: app, site: "intl" }).map((s) => s.key)).toEqual([
      `incoming/rn/${ID}/01-passport_bio_page`,
      `incoming/rn/${ID}/02-passport_handheld_bio_page`,
    ]);
    const plan = planObjectKeys({ prefix: "rn", applicationId: ID, application: app, fileTypes: { passport_bio_page: "jpeg", passport_handheld_bio_page: "pdf" }, site: "intl" });
    expect(plan.map((p) => p.bssPath)).toEqual([`rn/${ID}/01-passport_bio_page.jpg`, `rn/${ID}/02-passport_handheld_bio_page.pdf`]);
    const s = buildSubmission(app, plan, "X", "intl");
    expect(s.operation).toBe("CreatePersonalRealnameAuth");
    expect(s.body).toMatchObject({ identify_type: 0, verified_type: 3, verified_file_url: plan.map((p) => p.bssPath) });
    // The same 2 objects are not enough for the China site.
    expect(() => buildSubmission(app, plan, "X", "cn")).toThrow(/expected 3 document/);
  });
});

describe("HWC_SITE configuration", () => {
  it("defaults to cn, accepts intl, refuses anything else naming the variable", () => {
    expect(realnameSettings({ REALNAME_TABLE: "tbl" }).site).toBe("cn");
    expect(realnameSettings({ REALNAME_TABLE: "tbl", HWC_SITE: "" }).site).toBe("cn");
    expect(realnameSettings({ REALNAME_TABLE: "tbl", HWC_SITE: "intl" }).site).toBe("intl");
    expect(() => realnameSettings({ REALNAME_TABLE: "tbl", HWC_SITE: "international" })).toThrow(/HWC_SITE: must be one of cn, intl/);
  });

  it("a Huawei BSS endpoint of the other site is a configuration error; any other host (a sandbox) is not checked", () => {
    const base = { REALNAME_TABLE: "tbl" };
    expect(realnameSettings({ ...base, HWC_SITE: "intl", HWC_ENDPOINT: "https://bss-intl.myhuaweicloud.com" }).site).toBe("intl");
    expect(realnameSettings({ ...base, HWC_SITE: "cn", HWC_ENDPOINT: "https://bss.myhuaweicloud.com/" }).site).toBe("cn");
    expect(() => realnameSettings({ ...base, HWC_ENDPOINT: "https://BSS-INTL.myhuaweicloud.com" })).toThrow(/HWC_SITE: cn does not match HWC_ENDPOINT .*intl site/);
    expect(() => realnameSettings({ ...base, HWC_SITE: "intl", HWC_ENDPOINT: "https://bss.myhuaweicloud.com" })).toThrow(/HWC_SITE: intl does not match/);
    expect(realnameSettings({ ...base, HWC_SITE: "intl", HWC_ENDPOINT: "http://127.0.0.1:4010" }).site).toBe("intl");
    expect(realnameSettings({ ...base, HWC_SITE: "cn", HWC_ENDPOINT: "http://127.0.0.1:4010" }).site).toBe("cn");
  });
});
