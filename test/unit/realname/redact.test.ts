import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateApplication } from "../../../shared/realname/application.ts";
import {
  maskBankAccount,
  maskCreditCode,
  maskIdNumber,
  maskIdentifier,
  maskMobile,
  maskName,
  redactForLog,
  redactText,
  sensitiveValues,
} from "../../../shared/realname/redact.ts";
import { NOW, SAMPLES, SAMPLE_ID, SAMPLE_USCC, residentIdArb, usccArb } from "./oracle.ts";

describe("masks", () => {
  it("identifiers keep 4+4 of 18 with a fixed run of stars", () => {
    expect(maskIdNumber("11010519491231002X")).toBe("1101********002X");
    expect(maskCreditCode(SAMPLE_USCC)).toBe("9135********0Y43");
    expect(maskIdentifier("H12345678")).toBe("H********8");
    expect(maskIdentifier("1234567890")).toBe("12********90");
    expect(maskIdentifier("abcd")).toBe("********");
  });
  it("names, cards, phones", () => {
    expect(maskName("张三")).toBe("张**");
    expect(maskName("John Smith")).toBe("J**");
    expect(maskName("")).toBe("********");
    expect(maskBankAccount("6222 0200 1234 5678 901")).toBe("********8901");
    expect(maskBankAccount("123")).toBe("********");
    expect(maskMobile("13800138000")).toBe("138********00");
  });
  it("property: a mask never contains more than 8 characters of an 18-character identifier", () => {
    fc.assert(
      fc.property(fc.oneof(residentIdArb(), usccArb), (v) => {
        const m = maskIdentifier(v);
        expect(m.replace(/\*/g, "").length).toBe(8);
        expect(m).not.toContain(v.slice(4, 14));
      }),
    );
  });
});

describe("redactText", () => {
  it("masks checksummed and mistyped identifiers, digit runs and phones; leaves ordinary text", () => {
    const mistypedId = SAMPLE_ID.slice(0, 17) + (SAMPLE_ID[17] === "1" ? "2" : "1");
    const out = redactText(`id ${SAMPLE_ID} bad ${mistypedId} code ${SAMPLE_USCC} card 6222 0200 1234 5678 901 tel 13800138000 at 2025-06-01T08:00:00Z order CS2506011234ABCD request 0a1b2c3d-0000-4000-8000-000000000000`);
    for (const secret of [SAMPLE_ID, mistypedId, SAMPLE_USCC, "6222 0200 1234 5678 901", "6222020012345678901", "13800138000"]) expect(out).not.toContain(secret);
    expect(out).toContain("1101********");
    expect(out).toContain("2025-06-01T08:00:00Z");
    expect(out).toContain("0a1b2c3d-0000-4000-8000-000000000000");
    expect(out).toContain("CS2506011234ABCD");
  });
  it("masks known values such as names wherever they occur", () => {
    expect(redactText("申请人张三的证件照片不清晰，张三请重新上传", { known: ["张三", undefined, ""] })).toBe("申请人张**的证件照片不清晰，张**请重新上传");
    expect(redactText("Passport G1234567 unreadable", { known: ["g1234567"] })).toBe("Passport G********7 unreadable");
  });
  it("property: embedded generated identifiers never survive, whatever surrounds them", () => {
    fc.assert(
      fc.property(fc.oneof(residentIdArb(), usccArb), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (v, a, b) => {
        expect(redactText(`${a} ${v} ${b}`)).not.toContain(v);
        expect(redactText(`${a}:${v}。${b}`)).not.toContain(v);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("redactForLog", () => {
  it("an application logs without names, numbers or file contents", () => {
    const content = Buffer.concat([SAMPLES.jpeg(), Buffer.from("UNIQUE-CONTENT-MARKER")]);
    const r = validateApplication(
      {
        type: "individual",
        customer_id: "c",
        identify_type: 4,
        name: "王小明",
        verified_number: SAMPLE_ID,
        bank_card_info: { bank_account: "6222020012345678901", areacode: "0086", mobile: "13800138000", verification_code: "654321" },
        attachments: { mode: "inline", files: [{ role: "face_photo", content_base64: content.toString("base64"), file_name: "王小明.jpg" }] },
      },
      { now: NOW },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const logged = JSON.stringify(redactForLog(r.value, { known: sensitiveValues(r.value as unknown as Record<string, unknown>) }));
    for (const secret of ["王小明", SAMPLE_ID, "6222020012345678901", "13800138000", "654321", "UNIQUE-CONTENT-MARKER", content.toString("base64").slice(0, 20)]) {
      expect(logged).not.toContain(secret);
    }
    expect(logged).toContain(`"content":"[${content.length} bytes omitted]"`);
    expect(logged).toContain('"customer_id":"c"');
    expect(logged).toContain('"role":"face_photo"');
  });
  it("raw bodies, cycles and depth", () => {
    const body: Record<string, unknown> = { content_base64: "QUJD", enterprise_person: { legel_name: "张三", legel_id_number: SAMPLE_ID }, note: `see ${SAMPLE_USCC}` };
    body["self"] = body;
    expect(redactForLog(body)).toEqual({
      content_base64: "[4 chars omitted]",
      enterprise_person: { legel_name: "张**", legel_id_number: maskIdentifier(SAMPLE_ID) },
      note: `see ${maskIdentifier(SAMPLE_USCC)}`,
      self: "[cycle]",
    });
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i++) deep = (deep["x"] = {}) as Record<string, unknown>;
    expect(JSON.stringify(redactForLog(root))).toContain("[too deep]");
  });
});
