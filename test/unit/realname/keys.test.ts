import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FILE_TYPES, type FileType } from "../../../shared/realname/files.ts";
import {
  KeyError,
  applicationIdTime,
  applicationKeyPrefixes,
  bssPathForKey,
  checkKeyPrefix,
  isApplicationId,
  newApplicationId,
  planObjectKeys,
  planUploadSlotKeys,
} from "../../../shared/realname/keys.ts";
import type { DocumentSelector } from "../../../shared/realname/documents.ts";

const ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const withPerson: DocumentSelector = { type: "enterprise", enterprise_person: {} };

describe("application ids", () => {
  it("are UUIDv7 with the given time and random bits", () => {
    const id = newApplicationId({ now: 0x01890a5dac96, random: () => new Uint8Array(16).fill(0xff) });
    expect(id).toBe("01890a5d-ac96-7fff-bfff-ffffffffffff");
    expect(isApplicationId(id)).toBe(true);
    expect(applicationIdTime(id).getTime()).toBe(0x01890a5dac96);
  });

  it("are unique, well-formed and sort by creation time", () => {
    const ids = Array.from({ length: 2000 }, () => newApplicationId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(isApplicationId(id)).toBe(true);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (t, dt) => {
        const a = newApplicationId({ now: t });
        const b = newApplicationId({ now: t + dt });
        expect(a < b).toBe(true);
        expect(applicationIdTime(a).getTime()).toBe(t);
      }),
      { numRuns: 500 },
    );
  });

  it("refuse bad inputs", () => {
    expect(() => newApplicationId({ now: -1 })).toThrow(RangeError);
    expect(() => newApplicationId({ random: () => new Uint8Array(4) })).toThrow(RangeError);
    expect(isApplicationId("../../etc/passwd")).toBe(false);
    expect(isApplicationId(ID.toUpperCase())).toBe(false);
    expect(isApplicationId("01890a5d-ac96-474b-bcce-b302099a8057")).toBe(false); // v4
    expect(() => applicationIdTime("x")).toThrow(KeyError);
  });
});

describe("object keys", () => {
  it("enterprise with legal person: three keys in BSS order, extension from the sniffed type", () => {
    const plan = planObjectKeys({
      prefix: "realname",
      applicationId: ID,
      application: withPerson,
      fileTypes: { legal_person_id_emblem: "png", company_certificate: "pdf", legal_person_id_portrait: "jpeg" },
    });
    expect(plan).toEqual([
      {
        position: 1,
        role: "company_certificate",
        type: "pdf",
        key: `download/realname/${ID}/01-company_certificate.pdf`,
        bssPath: `realname/${ID}/01-company_certificate.pdf`,
        contentType: "application/pdf",
      },
      {
        position: 2,
        role: "legal_person_id_portrait",
        type: "jpeg",
        key: `download/realname/${ID}/02-legal_person_id_portrait.jpg`,
        bssPath: `realname/${ID}/02-legal_person_id_portrait.jpg`,
        contentType: "image/jpeg",
      },
      {
        position: 3,
        role: "legal_person_id_emblem",
        type: "png",
        key: `download/realname/${ID}/03-legal_person_id_emblem.png`,
        bssPath: `realname/${ID}/03-legal_person_id_emblem.png`,
        contentType: "image/png",
      },
    ]);
  });

  it("refuses missing or extra documents, bad prefixes and ids", () => {
    const base = { prefix: "realname", applicationId: ID, application: withPerson };
    expect(() => planObjectKeys({ ...base, fileTypes: { company_certificate: "pdf" } })).toThrow(/no file for required document legal_person_id_portrait/);
    expect(() =>
      planObjectKeys({ ...base, application: { type: "enterprise" }, fileTypes: { company_certificate: "pdf", face_photo: "jpeg" } }),
    ).toThrow(/not needed.*face_photo/);
    for (const prefix of ["", "/realname", "realname/", "../x", "a/../b", "Real", "a b", "a/b/c/d/e", "a//b", "ünï"]) {
      expect(() => checkKeyPrefix(prefix)).toThrow(KeyError);
    }
    expect(checkKeyPrefix("partner-ops/realname_v1")).toBe("partner-ops/realname_v1");
    expect(() => planObjectKeys({ ...base, applicationId: "../../x", fileTypes: {} })).toThrow(KeyError);
  });

  it("property: every key is service-shaped, under download/, and maps back to its BSS path", () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join("/")),
        fc.constantFrom<DocumentSelector>(
          { type: "enterprise" },
          withPerson,
          { type: "change", enterprise_person: {} },
          { type: "individual", identify_type: 4 },
          { type: "individual", identify_type: 0, verified_type: 3 },
          { type: "individual", identify_type: 0, verified_type: 9 },
        ),
        fc.array(fc.constantFrom(...FILE_TYPES), { minLength: 3, maxLength: 3 }),
        (prefix, application, types) => {
          const id = newApplicationId();
          const slots = planUploadSlotKeys({ prefix, applicationId: id, application });
          const fileTypes = Object.fromEntries(slots.map((s, i) => [s.role, types[i] as FileType]));
          const plan = planObjectKeys({ prefix, applicationId: id, application, fileTypes });
          expect(plan.map((p) => p.role)).toEqual(slots.map((s) => s.role));
          plan.forEach((p, i) => {
            expect(p.key).toMatch(/^download\/[a-z0-9_/-]+\/[0-9a-f-]{36}\/0[1-4]-[a-z_]+\.(jpg|png|gif|bmp|pdf)$/);
            expect(p.key).not.toContain("..");
            expect(p.key).not.toContain("//");
            expect(bssPathForKey(p.key)).toBe(p.bssPath);
            expect(`download/${p.bssPath}`).toBe(p.key);
            expect(p.position).toBe(i + 1);
            expect(slots[i]!.key).toBe(`incoming/${prefix}/${id}/${String(i + 1).padStart(2, "0")}-${p.role}`);
          });
          for (const lead of applicationKeyPrefixes(prefix, id)) expect([...plan.map((p) => p.key), ...slots.map((s) => s.key)].some((k) => k.startsWith(lead))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("bssPathForKey only strips download/", () => {
    expect(bssPathForKey("download/test/abc023.jpg")).toBe("test/abc023.jpg");
    expect(() => bssPathForKey("incoming/x")).toThrow(KeyError);
    expect(() => bssPathForKey("download/")).toThrow(KeyError);
  });
});
