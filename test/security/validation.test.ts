/**
 * Issue 11.11: validation the README promises, as properties.
 * - A credit code is checksummed whatever certificate_type says (0, omitted, or any 18-character
 *   number); the oracle is the GB 32100 check computed in test/unit/realname/oracle.ts.
 * - Names, company names and addresses refuse NUL, controls, ANSI escapes, bidi controls, lone
 *   surrogates and line breaks, naming the field with a message.
 * - Unknown keys — including `__proto__`, `constructor` and other Object.prototype names, at any
 *   depth — give an error with the key as field and a message (no prototype lookup).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validateApplication } from "../../shared/realname/application.ts";
import { NOW, SAMPLE_ID, USCC_CHARS, oracleUsccCheck, oracleUsccValid, usccArb } from "../unit/realname/oracle.ts";

const opts = { now: NOW };
const SEED = 20261206;

function enterprise(overrides: Record<string, unknown>): Record<string, unknown> {
  return {
    type: "enterprise",
    customer_id: "cust-1",
    corp_name: "厦门示例科技有限公司",
    verified_number: "91350100M000100Y4" + oracleUsccCheck("91350100M000100Y4"),
    attachments: { mode: "upload", files: [{ role: "company_certificate", size: 1000 }] },
    ...overrides,
  };
}
const errorsOf = (body: unknown) => {
  const r = validateApplication(body, opts);
  return r.ok ? [] : r.errors;
};

describe("credit code checksum, whatever certificate_type says", () => {
  const types = fc.constantFrom<unknown>(undefined, 0, 1, 2, 3, 4, 99);
  it("a valid code passes, one wrong check character is refused on verified_number", () => {
    fc.assert(
      fc.property(usccArb, types, fc.integer({ min: 1, max: USCC_CHARS.length - 1 }), (code, certificateType, shift) => {
        const type = certificateType === undefined ? {} : { certificate_type: certificateType };
        expect(errorsOf(enterprise({ ...type, verified_number: code }))).toEqual([]);
        const wrong = code.slice(0, 17) + USCC_CHARS[(USCC_CHARS.indexOf(code[17]!) + shift) % USCC_CHARS.length];
        expect(oracleUsccValid(wrong)).toBe(false);
        const errs = errorsOf(enterprise({ ...type, verified_number: wrong }));
        expect(errs).toHaveLength(1);
        expect(errs[0]).toMatchObject({ field: "verified_number", message: expect.stringContaining("unified social credit code") });
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
  it("a shorter number (old organisation code, other documents) is not a credit code for types 1-4 and 99", () => {
    for (const t of [1, 2, 3, 4, 99]) expect(errorsOf(enterprise({ certificate_type: t, verified_number: "12345678-9" }))).toEqual([]);
    expect(errorsOf(enterprise({ certificate_type: 0, verified_number: "12345678-9" }))[0]?.field).toBe("verified_number");
    expect(errorsOf(enterprise({ verified_number: "12345678-9" }))[0]?.field).toBe("verified_number");
  });
});

const UNSAFE = ["\u0000", "\u001b[31m", "\u001b]0;x\u0007", "\n", "\r\n", "\u0085", "\u2028", "\u2029", "\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u061c", "\ud800", "\udfff", "\u0007", "\u007f", "\u009b", "\t", "\ufeff", "\u200b"];
const safeName = fc.stringMatching(/^[A-Za-z\u4e00-\u9fa5][A-Za-z\u4e00-\u9fa5 ·.'-]{0,30}[A-Za-z\u4e00-\u9fa5]$/);

describe("names refuse invisible, control and reordering characters", () => {
  const fields: [string, (v: string) => Record<string, unknown>][] = [
    ["corp_name", (v) => enterprise({ corp_name: v })],
    ["reg_address", (v) => enterprise({ reg_address: v })],
    ["enterprise_person.legel_name", (v) => enterprise({ enterprise_person: { legel_name: v, legel_id_number: SAMPLE_ID }, attachments: { mode: "upload", files: [{ role: "company_certificate", size: 9 }, { role: "legal_person_id_portrait", size: 9 }, { role: "legal_person_id_emblem", size: 9 }] } })],
    ["name", (v) => ({ type: "individual", customer_id: "c", identify_type: 0, verified_type: 3, name: v, verified_number: "E12345678", attachments: { mode: "upload", files: ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"].map((role) => ({ role, size: 9 })) } })],
  ];
  it("safe names pass; the same name with an unsafe character anywhere is refused on that field", () => {
    fc.assert(
      fc.property(fc.constantFrom(...fields), safeName, fc.constantFrom(...UNSAFE), fc.nat(), ([field, body], name, bad, at) => {
        expect(errorsOf(body(name))).toEqual([]);
        const i = 1 + (at % (name.length - 1)); // inside, so trimming cannot remove it
        const errs = errorsOf(body(name.slice(0, i) + bad + name.slice(i)));
        expect(errs.map((e) => e.field)).toEqual([field]);
        expect(errs[0]!.message).toMatch(/^must (not contain|be well-formed)/);
        if (name.length >= 6) expect(errs[0]!.message).not.toContain(name); // the value itself is never echoed
      }),
      { seed: SEED, numRuns: 400 },
    );
  });
});

describe("unknown keys, prototype names included, at any depth", () => {
  const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "__defineGetter__", "__lookupGetter__", "propertyIsEnumerable", "toLocaleString"];
  const keyArb = fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.stringMatching(/^[a-z_]{1,12}$/).filter((k) => !["type", "customer_id", "corp_name", "verified_number", "attachments", "certificate_type", "identify_type", "reg_country", "reg_address", "enterprise_person", "callback_url", "mode", "files", "role", "size", "content_type", "file_name"].includes(k)));
  it("each gives an error with the key's path as field and a non-empty message", () => {
    fc.assert(
      fc.property(keyArb, fc.constantFrom("top", "file", "person"), fc.jsonValue(), (key, where, value) => {
        const base = enterprise({ enterprise_person: { legel_name: "王某", legel_id_number: SAMPLE_ID }, attachments: { mode: "upload", files: [{ role: "company_certificate", size: 9 }, { role: "legal_person_id_portrait", size: 9 }, { role: "legal_person_id_emblem", size: 9 }] } });
        // Through JSON text, as a request arrives: JSON.parse makes "__proto__" an own key.
        let json = JSON.stringify(base);
        const extra = `${JSON.stringify(key)}:${JSON.stringify(value ?? null)},`;
        if (where === "top") json = `{${extra}${json.slice(1)}`;
        if (where === "file") json = json.replace('{"role":"company_certificate"', () => `{${extra}"role":"company_certificate"`);
        if (where === "person") json = json.replace('{"legel_name"', () => `{${extra}"legel_name"`);
        const errs = errorsOf(JSON.parse(json));
        const field = where === "top" ? key : where === "file" ? `attachments.files[0].${key}` : `enterprise_person.${key}`;
        expect(errs).toContainEqual({ field, message: expect.stringMatching(/^unknown field/) });
        for (const e of errs) expect(typeof e.message === "string" && e.message.length > 0).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});
