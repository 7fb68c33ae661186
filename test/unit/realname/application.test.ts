import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_INLINE_TOTAL_BYTES, validateApplication, type FieldError } from "../../../shared/realname/application.ts";
import { requiredDocuments } from "../../../shared/realname/documents.ts";
import { checkInlineAttachments, checkUploadedFile } from "../../../shared/realname/intake.ts";
import { inspectStream } from "../../../shared/realname/files.ts";
import { NOW, SAMPLES, SAMPLE_ID, SAMPLE_USCC, oracleIdCheck, oracleUsccCheck, residentIdArb, usccArb } from "./oracle.ts";

const opts = { now: NOW };
const b64 = (buf: Buffer) => buf.toString("base64");
const fields = (errors: FieldError[]) => errors.map((e) => e.field).sort();

function enterprise(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "enterprise",
    customer_id: "0a1b2c3d4e5f",
    certificate_type: 0,
    corp_name: "示例科技有限公司",
    verified_number: SAMPLE_USCC,
    reg_country: "CN",
    enterprise_person: { legel_name: "张三", legel_id_number: SAMPLE_ID, certifier_role: "legalPerson" },
    callback_url: "https://portal.example.com/hooks/realname",
    attachments: {
      mode: "inline",
      files: [
        { role: "legal_person_id_emblem", content_base64: b64(SAMPLES.png()), content_type: "image/png" },
        { role: "company_certificate", content_base64: b64(SAMPLES.pdf()), file_name: "licence.pdf" },
        { role: "legal_person_id_portrait", content_base64: b64(SAMPLES.jpeg()) },
      ],
    },
    ...overrides,
  };
}

function passport(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "individual",
    customer_id: "cust-1",
    identify_type: 0,
    verified_type: 3,
    name: "John Smith",
    verified_number: "e12345678",
    attachments: {
      mode: "upload",
      files: [
        { role: "passport_bio_page", size: 100_000 },
        { role: "passport_entry_stamp_page", size: 200_000, content_type: "Image/JPEG" },
        { role: "passport_handheld_bio_page", size: 300_000 },
      ],
    },
    ...overrides,
  };
}

function bankCard(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "individual",
    customer_id: "cust-2",
    identify_type: 4,
    name: "李四",
    verified_number: SAMPLE_ID.toLowerCase(),
    bank_card_info: { bank_account: "6222 0200 1234 5678 901", areacode: "+86", mobile: "13800138000", verification_code: "123456" },
    attachments: { mode: "upload", files: [{ role: "face_photo", size: 5000 }] },
    ...overrides,
  };
}

describe("validateApplication: valid bodies", () => {
  it("enterprise with legal person, inline: normalised value with decoded files", () => {
    const r = validateApplication(enterprise({ verified_number: ` ${SAMPLE_USCC.toLowerCase()} ` }), opts);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value;
    expect(v.type).toBe("enterprise");
    if (v.type !== "enterprise") return;
    expect(v.verified_number).toBe(SAMPLE_USCC);
    expect(v.enterprise_person).toEqual({ legel_name: "张三", legel_id_number: SAMPLE_ID, certifier_role: "legalPerson" });
    expect(v.attachments.mode).toBe("inline");
    if (v.attachments.mode !== "inline") return;
    expect(v.attachments.files.map((f) => f.role)).toEqual(["legal_person_id_emblem", "company_certificate", "legal_person_id_portrait"]);
    expect(v.attachments.files[0]!.content.equals(SAMPLES.png())).toBe(true);
    expect("content_base64" in v.attachments.files[0]!).toBe(false);
    expect(requiredDocuments(v)).toEqual(["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"]);
  });

  it("enterprise without a person needs only the certificate; other certificate types skip the USCC rule", () => {
    const body = enterprise({
      certificate_type: 4,
      verified_number: "12345678-9",
      enterprise_person: undefined,
      attachments: { mode: "upload", files: [{ role: "company_certificate", size: 1 }] },
    });
    const r = validateApplication(body, opts);
    expect(r).toMatchObject({ ok: true, value: { verified_number: "12345678-9" } });
  });

  it("change (individual → enterprise) takes the enterprise fields; change_type 1 may be sent", () => {
    const r = validateApplication(enterprise({ type: "change", change_type: 1 }), opts);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).not.toHaveProperty("change_type");
  });

  it("passport with upload slots: number upper-cased, content types lower-cased", () => {
    const r = validateApplication(passport(), opts);
    expect(r).toMatchObject({ ok: true, value: { verified_number: "E12345678", identify_type: 0, verified_type: 3 } });
    if (r.ok && r.value.attachments.mode === "upload") expect(r.value.attachments.files[1]!.content_type).toBe("image/jpeg");
  });

  it("bank card: ID number, card spaces removed, area code normalised to 0086", () => {
    const r = validateApplication(bankCard(), opts);
    expect(r).toMatchObject({
      ok: true,
      value: { verified_number: SAMPLE_ID, bank_card_info: { bank_account: "6222020012345678901", areacode: "0086", mobile: "13800138000" } },
    });
  });

  it("permits: formats per verified_type", () => {
    const permit = (verified_type: number, verified_number: string) =>
      validateApplication(
        passport({
          verified_type,
          verified_number,
          attachments: { mode: "upload", files: ["permit_front", "permit_back", "permit_handheld_front"].map((role) => ({ role, size: 10 })) },
        }),
        opts,
      );
    expect(permit(5, "H12345678").ok).toBe(true);
    expect(permit(5, "m1234567890").ok).toBe(true);
    expect(permit(5, "X12345678").ok).toBe(false);
    expect(permit(6, "12345678").ok).toBe(true);
    expect(permit(6, "1234567").ok).toBe(false);
    const hk = "81000019900101123" + oracleIdCheck("81000019900101123");
    const tw = "83000019900101123" + oracleIdCheck("83000019900101123");
    expect(permit(9, hk).ok).toBe(true);
    expect(permit(9, tw)).toMatchObject({ ok: false, errors: [{ field: "verified_number", message: expect.stringContaining("810000 or 820000") }] });
    expect(permit(10, tw).ok).toBe(true);
    expect(permit(10, SAMPLE_ID).ok).toBe(false);
    expect(permit(10, tw.slice(0, 17) + (tw[17] === "1" ? "2" : "1"))).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining("checksum") }] });
  });

  it("callback: loopback http only when allowed, host allow-list", () => {
    expect(validateApplication(enterprise({ callback_url: "http://127.0.0.1:4000/cb" }), opts).ok).toBe(false);
    expect(validateApplication(enterprise({ callback_url: "http://127.0.0.1:4000/cb" }), { ...opts, allowLoopbackHttpCallback: true }).ok).toBe(true);
    expect(validateApplication(enterprise({ callback_url: "http://portal.example.com/cb" }), { ...opts, allowLoopbackHttpCallback: true }).ok).toBe(false);
    for (const url of ["https://169.254.169.254/latest", "https://10.0.0.5/cb", "https://localhost/cb", "https://[::1]/cb", "https://[fd00::1]/cb", "https://192.168.1.1/", "https://[::ffff:127.0.0.1]/"]) {
      expect(validateApplication(enterprise({ callback_url: url }), opts)).toMatchObject({ ok: false, errors: [{ field: "callback_url", message: expect.stringMatching(/^must not point to/) }] });
    }
    expect(validateApplication(enterprise({ callback_url: "https://93.184.216.34/cb" }), opts).ok).toBe(true);
    // Documentation range (203.0.113.0/24) is special-purpose too.
    expect(validateApplication(enterprise({ callback_url: "https://203.0.113.7/cb" }), opts).ok).toBe(false);
    expect(validateApplication(enterprise({ callback_url: "not a url" }), opts)).toMatchObject({ ok: false, errors: [{ message: "must be an absolute https:// URL" }] });
    expect(validateApplication(enterprise({ callback_url: "https://portal.example.com/#x" }), opts)).toMatchObject({ ok: false, errors: [{ message: expect.stringContaining("fragment") }] });
    expect(validateApplication(enterprise(), { ...opts, callbackHosts: ["PORTAL.example.com"] }).ok).toBe(true);
    expect(validateApplication(enterprise(), { ...opts, callbackHosts: ["other.example.com"] })).toMatchObject({
      ok: false,
      errors: [{ field: "callback_url", message: expect.stringContaining("configured list") }],
    });
  });
});

describe("validateApplication: every bad field is reported", () => {
  const cases: [string, unknown, FieldError[]][] = [
    ["not an object", [1, 2], [{ field: "(body)", message: "must be a JSON object" }]],
    ["null", null, [{ field: "(body)", message: "must be a JSON object" }]],
    ["missing type", { customer_id: "x" }, [{ field: "type", message: 'required: one of "enterprise", "change", "individual"' }]],
    ["unknown type", { type: "company" }, [{ field: "type", message: 'must be one of "enterprise", "change", "individual"' }]],
  ];
  for (const [name, body, errors] of cases) {
    it(name, () => expect(validateApplication(body, opts)).toEqual({ ok: false, errors }));
  }

  it("enterprise: many problems at once, each on its own field", () => {
    const body = enterprise({
      customer_id: "",
      corp_name: "12345 !!",
      verified_number: SAMPLE_USCC.slice(0, 17) + (SAMPLE_USCC[17] === "0" ? "1" : "0"),
      reg_country: "cn",
      enterprise_person: { legal_name: "张三", legel_id_number: "110105194912310021" },
      callback_url: "http://portal.example.com/cb",
      xaccount_type: "abc",
      attachments: {
        mode: "inline",
        files: [
          { role: "company_certificate", content_base64: "data:image/png;base64,AAAA" },
          { role: "company_certificate", content_base64: "@@@@" },
          { role: "face_photo", content_base64: "AAAA", content_type: "text/html" },
        ],
      },
    });
    const r = validateApplication(body, opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(fields(r.errors)).toEqual(
      [
        "attachments.files",
        "attachments.files[0].content_base64",
        "attachments.files[1].content_base64",
        "attachments.files[1].role",
        "attachments.files[2].content_type",
        "attachments.files[2].role",
        "callback_url",
        "corp_name",
        "customer_id",
        "enterprise_person.legal_name",
        "enterprise_person.legel_id_number",
        "enterprise_person.legel_name",
        "reg_country",
        "verified_number",
        "xaccount_type",
      ].sort(),
    );
    expect(byField["enterprise_person.legal_name"]).toContain("legel_name");
    expect(byField["enterprise_person.legel_name"]).toBe("required");
    expect(byField["verified_number"]).toContain("unified social credit code");
    expect(byField["enterprise_person.legel_id_number"]).toContain("resident ID");
    expect(byField["attachments.files[0].content_base64"]).toContain("data: URL");
    expect(byField["attachments.files[1].role"]).toContain("twice");
    expect(byField["attachments.files[2].role"]).toContain("not needed");
    expect(byField["attachments.files"]).toContain("legal_person_id_portrait, legal_person_id_emblem");
    expect(byField["callback_url"]).toBe("must use https://");
    expect(byField["xaccount_type"]).toContain("set by the service");
    // No message repeats an identifier or a name.
    const all = JSON.stringify(r.errors);
    expect(all).not.toContain("110105194912310021");
    expect(all).not.toContain(SAMPLE_USCC.slice(0, 17));
    expect(all).not.toContain("张三");
  });

  it("individual: type-dependent rules", () => {
    const r = validateApplication(
      { type: "individual", customer_id: "c", identify_type: 4, verified_type: 3, name: "", verified_number: "123", attachments: { mode: "upload", files: [] } },
      opts,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(fields(r.errors)).toEqual(["attachments.files", "bank_card_info", "name", "verified_number", "verified_type"]);
    expect(r.errors.find((e) => e.field === "name")!.message).toBe("must not be empty");
    expect(r.errors.find((e) => e.field === "attachments.files")!.message).toBe("must list at least one file");
    const r2 = validateApplication(passport({ verified_type: undefined, bank_card_info: { bank_account: "1", areacode: "0086", mobile: "1", verification_code: "1" } }), opts);
    expect(r2.ok).toBe(false);
    if (!r2.ok) {
      expect(fields(r2.errors)).toEqual([
        "bank_card_info",
        "bank_card_info.mobile",
        "bank_card_info.verification_code",
        "verified_type",
      ]);
    }
    const r3 = validateApplication(bankCard({ bank_card_info: { bank_account: "-1", areacode: "001", mobile: "13800138000", verification_code: "123456" }, verified_number: "E1234567" }), opts);
    expect(r3.ok).toBe(false);
    if (!r3.ok) {
      expect(fields(r3.errors)).toEqual(["bank_card_info.areacode", "bank_card_info.bank_account", "verified_number"]);
      expect(r3.errors.find((e) => e.field === "bank_card_info.areacode")!.message).toContain("mainland China");
    }
  });

  it("wrong types and enums get readable messages", () => {
    const r = validateApplication(passport({ identify_type: "0", verified_type: 4, customer_id: 5, attachments: { mode: "ftp" } }), opts);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual(
      expect.arrayContaining([
        { field: "identify_type", message: "must be one of 0, 4" },
        { field: "verified_type", message: "must be one of 3, 5, 6, 9, 10" },
        { field: "customer_id", message: "must be a string" },
        { field: "attachments.mode", message: 'must be one of "inline", "upload"' },
      ]),
    );
  });

  it("upload slots: size limits and count", () => {
    const r = validateApplication(
      passport({
        attachments: {
          mode: "upload",
          files: [
            { role: "passport_bio_page", size: 10_000_001 },
            { role: "passport_entry_stamp_page", size: 0 },
            { role: "passport_handheld_bio_page", size: 1.5 },
            { role: "face_photo", size: 1 },
            { role: "permit_back", size: 1 },
          ],
        },
      }),
      opts,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const byField = Object.fromEntries(r.errors.map((e) => [e.field, e.message]));
    expect(byField["attachments.files"]).toBe("must list at most 4 files (the BSS limit)");
    expect(byField["attachments.files[0].size"]).toContain("10 MB");
    expect(byField["attachments.files[1].size"]).toBe("the file is empty");
    expect(byField["attachments.files[2].size"]).toBe("must be an integer");
  });

  it("inline total over 4 MiB: says why and what to do instead", () => {
    const big = Buffer.alloc(1_500_000, 1);
    const r = validateApplication(
      enterprise({
        attachments: {
          mode: "inline",
          files: ["company_certificate", "legal_person_id_portrait", "legal_person_id_emblem"].map((role) => ({ role, content_base64: b64(big) })),
        },
      }),
      opts,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.field).toBe("attachments.files");
    expect(r.errors[0]!.message).toContain(`${MAX_INLINE_TOTAL_BYTES} bytes (4 MiB)`);
    expect(r.errors[0]!.message).toContain("6 MB");
    expect(r.errors[0]!.message).toContain('"upload"');
  });

  it("property: each injected fault is reported on exactly its field, all at once", () => {
    const faults: Record<string, (b: Record<string, unknown>) => void> = {
      customer_id: (b) => (b["customer_id"] = "has space"),
      corp_name: (b) => (b["corp_name"] = "   "),
      verified_number: (b) => (b["verified_number"] = String(b["verified_number"]).slice(0, 17) + "I"),
      reg_country: (b) => (b["reg_country"] = "CHN"),
      reg_address: (b) => (b["reg_address"] = 42),
      "enterprise_person.legel_id_number": (b) => {
        const p = b["enterprise_person"] as Record<string, unknown>;
        p["legel_id_number"] = String(p["legel_id_number"]).slice(0, 6) + "19991332" + String(p["legel_id_number"]).slice(14);
      },
      "enterprise_person.certifier_role": (b) => ((b["enterprise_person"] as Record<string, unknown>)["certifier_role"] = "ceo"),
      callback_url: (b) => (b["callback_url"] = "https://user:pw@portal.example.com/"),
      "attachments.files[0].content_base64": (b) => (((b["attachments"] as { files: Record<string, unknown>[] }).files[0]!)["content_base64"] = "A"),
      "attachments.files[1].file_name": (b) => (((b["attachments"] as { files: Record<string, unknown>[] }).files[1]!)["file_name"] = ""),
      surprise: (b) => (b["surprise"] = true),
    };
    fc.assert(
      fc.property(usccArb, residentIdArb(), fc.subarray(Object.keys(faults), { minLength: 1 }), (uscc, id, chosen) => {
        const body = structuredClone(enterprise({ verified_number: uscc }));
        (body["enterprise_person"] as Record<string, unknown>)["legel_id_number"] = id;
        expect(validateApplication(body, opts).ok).toBe(true);
        for (const f of chosen) faults[f]!(body);
        const r = validateApplication(body, opts);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(fields(r.errors)).toEqual([...chosen].sort());
      }),
      { numRuns: 300 },
    );
  });

  it("property: valid individual and enterprise bodies pass and need the documents they sent", () => {
    fc.assert(
      fc.property(residentIdArb(), fc.constantFrom(3, 5, 6, 9, 10), fc.boolean(), (id, vt, person) => {
        const numbers: Record<number, string> = { 3: "G12345678", 5: "H12345678", 6: "12345678", 9: "81000019900101123" + oracleIdCheck("81000019900101123"), 10: "83000019900101123" + oracleIdCheck("83000019900101123") };
        const roles = vt === 3 ? ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"] : ["permit_front", "permit_back", "permit_handheld_front"];
        const ind = validateApplication(passport({ verified_type: vt, verified_number: numbers[vt], attachments: { mode: "upload", files: [...roles].reverse().map((role) => ({ role, size: 9 })) } }), opts);
        expect(ind.ok).toBe(true);
        if (ind.ok) expect(requiredDocuments(ind.value)).toEqual(roles);
        const ent = enterprise(person ? {} : { enterprise_person: undefined, attachments: { mode: "upload", files: [{ role: "company_certificate", size: 3 }] } });
        if (person) (ent["enterprise_person"] as Record<string, unknown>)["legel_id_number"] = id;
        expect(validateApplication(ent, opts).ok).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("inline base64", () => {
  const withContent = (content_base64: string) =>
    validateApplication(enterprise({ enterprise_person: undefined, attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64 }] } }), opts);
  const contentError = (r: ReturnType<typeof validateApplication>) => (r.ok ? undefined : r.errors.find((e) => e.field === "attachments.files[0].content_base64"));

  it("property: whatever Buffer encodes is accepted and decodes back to the same bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), (bytes) => {
        const r = withContent(Buffer.from(bytes).toString("base64"));
        expect(r.ok).toBe(true);
        if (r.ok && r.value.attachments.mode === "inline") expect(r.value.attachments.files[0]!.content.equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a foreign character, a lost character or misplaced padding is reported", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 3, maxLength: 300 }),
        fc.nat(),
        fc.constantFrom("!", "-", "_", " ", "\n", "=", "é", "*"),
        fc.boolean(),
        (bytes, at, ch, drop) => {
          const good = Buffer.from(bytes).toString("base64");
          const i = at % good.length;
          const bad = drop ? good.slice(0, i) + good.slice(i + 1) : good.slice(0, i) + ch + good.slice(i + 1);
          // "=" within the last two characters can make another valid string (e.g. AAAAAAA= → AAAAAA==).
          fc.pre(drop || ch !== "=" || i < good.length - 2);
          expect(contentError(withContent(bad))?.message).toMatch(/base64/);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("intake: content checks after validation (422 territory)", () => {
  it("inline files checked by bytes; every bad file reported", () => {
    const r = validateApplication(
      enterprise({
        attachments: {
          mode: "inline",
          files: [
            { role: "company_certificate", content_base64: b64(Buffer.from("<html>not a licence</html>")), file_name: "licence.jpg" },
            { role: "legal_person_id_portrait", content_base64: b64(SAMPLES.png()), content_type: "image/jpeg" },
            { role: "legal_person_id_emblem", content_base64: b64(SAMPLES.bmp()) },
          ],
        },
      }),
      opts,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = checkInlineAttachments(r.value);
    expect(c.ok).toBe(false);
    if (c.ok) return;
    expect(c.errors.map((e) => e.field)).toEqual(["attachments.files[0].content_base64", "attachments.files[1].content_base64"]);
    expect(c.errors[0]!.message).toContain("HTML");
    expect(c.errors[1]!.message).toContain("declared as image/jpeg but its content is PNG");
  });

  it("inline files that pass give the sniffed types per role", () => {
    const r = validateApplication(enterprise(), opts);
    if (!r.ok) throw new Error("fixture invalid");
    const c = checkInlineAttachments(r.value);
    expect(c).toMatchObject({ ok: true, fileTypes: { company_certificate: "pdf", legal_person_id_portrait: "jpeg", legal_person_id_emblem: "png" } });
    expect(() => checkInlineAttachments({ ...r.value, attachments: { mode: "upload", files: [] } })).toThrow(TypeError);
  });

  it("an uploaded file must have the declared slot size", async () => {
    const file = SAMPLES.gif();
    const ins = await inspectStream([file]);
    expect(checkUploadedFile({ role: "face_photo", size: file.length }, ins)).toMatchObject({ ok: true, type: "gif" });
    expect(checkUploadedFile({ role: "face_photo", size: file.length + 1 }, ins)).toMatchObject({ ok: false, reason: "size_mismatch" });
  });
});

describe("sanity of the oracle fixtures", () => {
  it("SAMPLE_USCC uses the oracle's check char", () => expect(SAMPLE_USCC[17]).toBe(oracleUsccCheck(SAMPLE_USCC.slice(0, 17))));
});
