import { describe, expect, it } from "vitest";
import { operations } from "../../../shared/bss/operations.ts";
import { validateApplication, type Application } from "../../../shared/realname/application.ts";
import { SubmissionBuildError, buildSubmission } from "../../../shared/realname/bss-request.ts";
import { planObjectKeys } from "../../../shared/realname/keys.ts";
import { NOW, SAMPLE_ID, SAMPLE_USCC } from "./oracle.ts";

const ID = "01890a5d-ac96-774b-bcce-b302099a8057";

function app(body: Record<string, unknown>): Application {
  const r = validateApplication(body, { now: NOW });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
const slots = (...roles: string[]) => ({ mode: "upload", files: roles.map((role) => ({ role, size: 10 })) });

const enterpriseBody = {
  type: "enterprise",
  customer_id: "cust01",
  certificate_type: 0,
  corp_name: "示例科技有限公司",
  verified_number: SAMPLE_USCC,
  reg_address: "北京市",
  enterprise_person: { legel_name: "张三", legel_id_number: SAMPLE_ID },
  attachments: slots("legal_person_id_emblem", "company_certificate", "legal_person_id_portrait"),
};

describe("buildSubmission", () => {
  it("enterprise: BSS field names (legel_), identify_type 1, paths in BSS order whatever order objects come in", () => {
    const a = app(enterpriseBody);
    const plan = planObjectKeys({ prefix: "rn", applicationId: ID, application: a, fileTypes: { company_certificate: "pdf", legal_person_id_portrait: "jpeg", legal_person_id_emblem: "png" } });
    const s = buildSubmission(a, [...plan].reverse(), "XTYPE");
    expect(s.operation).toBe("CreateEnterpriseRealnameAuthentication");
    expect(s.kind).toBe("enterprise");
    expect(s.body).toEqual({
      customer_id: "cust01",
      identify_type: 1,
      certificate_type: 0,
      verified_file_url: [`rn/${ID}/01-company_certificate.pdf`, `rn/${ID}/02-legal_person_id_portrait.jpg`, `rn/${ID}/03-legal_person_id_emblem.png`],
      corp_name: "示例科技有限公司",
      verified_number: SAMPLE_USCC,
      reg_address: "北京市",
      xaccount_type: "XTYPE",
      enterprise_person: { legel_name: "张三", legel_id_number: SAMPLE_ID },
    });
    expect(operations.CreateEnterpriseRealnameAuthentication.request.safeParse(s.body).success).toBe(true);
  });

  it("change: PUT operation with change_type 1", () => {
    const a = app({ ...enterpriseBody, type: "change", enterprise_person: undefined, attachments: slots("company_certificate") });
    const s = buildSubmission(a, [{ role: "company_certificate", bssPath: "rn/x/01-company_certificate.jpg" }], "X");
    expect(s.operation).toBe("ChangeEnterpriseRealnameAuthentication");
    expect(s.body).toMatchObject({ change_type: 1, identify_type: 1, verified_file_url: ["rn/x/01-company_certificate.jpg"] });
    expect(s.body).not.toHaveProperty("enterprise_person");
    expect(operations.ChangeEnterpriseRealnameAuthentication.method).toBe("PUT");
  });

  it("individual certificate and bank card", () => {
    const passport = app({
      type: "individual",
      customer_id: "c",
      identify_type: 0,
      verified_type: 3,
      name: "John Smith",
      verified_number: "G1234567",
      change_type: -1,
      attachments: slots("passport_handheld_bio_page", "passport_bio_page", "passport_entry_stamp_page"),
    });
    const plan = planObjectKeys({
      prefix: "rn",
      applicationId: ID,
      application: passport,
      fileTypes: { passport_bio_page: "jpeg", passport_entry_stamp_page: "jpeg", passport_handheld_bio_page: "gif" },
    });
    const s = buildSubmission(passport, plan, "X");
    expect(s.operation).toBe("CreatePersonalRealnameAuth");
    expect(s.body).toEqual({
      customer_id: "c",
      identify_type: 0,
      verified_type: 3,
      verified_file_url: plan.map((p) => p.bssPath),
      name: "John Smith",
      verified_number: "G1234567",
      change_type: -1,
      xaccount_type: "X",
    });
    expect(s.body.verified_file_url[2]).toMatch(/03-passport_handheld_bio_page\.gif$/);

    const card = app({
      type: "individual",
      customer_id: "c",
      identify_type: 4,
      name: "李四",
      verified_number: SAMPLE_ID,
      bank_card_info: { bank_account: "6222020012345678901", areacode: "0086", mobile: "13800138000", verification_code: "123456" },
      attachments: slots("face_photo"),
    });
    const s2 = buildSubmission(card, [{ role: "face_photo", bssPath: "rn/y/01-face_photo.jpg" }], "X");
    expect(s2.body).toMatchObject({ identify_type: 4, bank_card_info: { areacode: "0086" }, verified_file_url: ["rn/y/01-face_photo.jpg"] });
    expect(s2.body).not.toHaveProperty("verified_type");
  });

  it("refuses a wrong set of objects or a body BSS would refuse, without quoting values", () => {
    const a = app(enterpriseBody);
    expect(() => buildSubmission(a, [{ role: "company_certificate", bssPath: "a.jpg" }], "X")).toThrow(SubmissionBuildError);
    expect(() =>
      buildSubmission(
        a,
        [
          { role: "company_certificate", bssPath: "a.jpg" },
          { role: "company_certificate", bssPath: "b.jpg" },
          { role: "legal_person_id_emblem", bssPath: "c.jpg" },
        ],
        "X",
      ),
    ).toThrow(/expected 3/);
    const three = ["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"] as const;
    let err: unknown;
    try {
      buildSubmission(a, three.map((role, i) => ({ role, bssPath: i === 0 ? "download/a.jpg" : `${i}.jpg` })), "");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SubmissionBuildError);
    expect(String(err)).toContain("verified_file_url.0");
    expect(String(err)).toContain("xaccount_type");
    expect(String(err)).not.toContain(SAMPLE_ID);
  });
});
