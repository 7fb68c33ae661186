/**
 * Webhook fuzzer (issue 11, "keep them closed"): 2,000+ correctly signed (v2) but mutated bodies
 * against the real realname-api handler, through the engine's HTTP front on 127.0.0.1. Every answer
 * must be below 500, and every 4xx must name at least one field with a message. Deterministic: the
 * mutants come from fast-check with a fixed seed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleGif, sampleJpeg, samplePdf, samplePng } from "../../shared/realname/sample-files.ts";
import { LEGAL_ID, startRealnameHarness, type RealnameHarness } from "./helpers/realname-engine.ts";
import { uscc } from "../e2e/helpers/realname-files.ts";

const SEED = 0x11_07;
const MUTANTS = 2_100;
const PARALLEL = 8;

let h: RealnameHarness;
beforeAll(async () => {
  h = await startRealnameHarness();
}, 60_000);
afterAll(async () => h?.close());

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function seeds(customer: string): Record<string, Json>[] {
  const inline = (files: [string, Buffer, string?][]) => ({ mode: "inline", files: files.map(([role, b, ct]) => ({ role, content_base64: b.toString("base64"), ...(ct ? { content_type: ct } : {}) })) });
  return [
    { type: "enterprise", customer_id: customer, certificate_type: 0, corp_name: "厦门模糊测试有限公司", verified_number: uscc("91350100M000100Y4"), reg_country: "CN", attachments: inline([["company_certificate", sampleJpeg(400, "fuzz"), "image/jpeg"]]) },
    { type: "enterprise", customer_id: customer, corp_name: "Fuzz Ltd", verified_number: uscc("91350100M000200Y4"), enterprise_person: { legel_name: "王某", legel_id_number: LEGAL_ID }, attachments: inline([["company_certificate", samplePdf(600, "fuzz")], ["legal_person_id_portrait", samplePng(200)], ["legal_person_id_emblem", sampleGif(200)]]) },
    { type: "change", customer_id: customer, change_type: 1, corp_name: "Change Co", verified_number: uscc("91350100M000300Y4"), attachments: { mode: "upload", files: [{ role: "company_certificate", size: 5000, content_type: "application/pdf", file_name: "c.pdf" }] } },
    { type: "individual", customer_id: customer, identify_type: 0, verified_type: 3, name: "Zhang Fuzz", verified_number: "E12345678", callback_url: "https://portal.example.com/cb", attachments: { mode: "upload", files: ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"].map((role) => ({ role, size: 3000 })) } },
    { type: "individual", customer_id: customer, identify_type: 4, name: "李某", verified_number: LEGAL_ID, bank_card_info: { bank_account: "6222 0000 1111 2222", areacode: "0086", mobile: "13800000000", verification_code: "123456" }, attachments: inline([["face_photo", sampleJpeg(300)]]) },
  ];
}

const weird: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e308, -0, "", " ", "\u0000", "\u202e", "\ud800", "__proto__", "constructor", "💥".repeat(50), "a".repeat(5_000), [], {}, [[[[[]]]]], { __proto__: null } as unknown as Json),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
);
const keyArb = fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype", "type", "attachments", "files", "role", "content_base64", "size", "mode", "legal_name", "verified_number"), fc.string({ maxLength: 12 }));

/** One mutation applied at a random path of a JSON value. */
type Mutation = { kind: "set" | "delete" | "insert" | "wrap" | "dup"; pick: number; key: string; value: Json };
const mutationArb: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom("set", "set", "delete", "insert", "wrap", "dup"), pick: fc.nat(), key: keyArb, value: weird });

function nodes(v: Json, out: { parent: Json[] | Record<string, Json>; key: string | number }[] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), nodes(x, out)));
  else if (v !== null && typeof v === "object") for (const k of Object.keys(v)) out.push({ parent: v, key: k }), nodes(v[k]!, out);
  return out;
}
function mutate(body: Json, m: Mutation): void {
  const all = nodes(body);
  if (all.length === 0) return;
  const { parent, key } = all[m.pick % all.length]!;
  const p = parent as Record<string | number, Json>;
  switch (m.kind) {
    case "set":
      p[key] = m.value;
      break;
    case "delete":
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
      break;
    case "insert":
      if (Array.isArray(parent)) parent.push(m.value);
      else Object.defineProperty(parent, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      break;
    case "wrap":
      p[key] = [p[key]!];
      break;
    case "dup":
      if (Array.isArray(parent)) parent.push(structuredClone(p[key]!));
      else p[key] = JSON.stringify(p[key]!);
      break;
  }
}

/** Text-level damage after serialising: truncation, a flipped byte, a doubled key, trailing junk. */
type TextDamage = { kind: "none" | "truncate" | "flip" | "junk" | "dupkey" | "bom"; at: number; byte: number };
const textDamageArb: fc.Arbitrary<TextDamage> = fc.record({ kind: fc.constantFrom("none", "none", "none", "truncate", "flip", "junk", "dupkey", "bom"), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
function damage(text: string, d: TextDamage): Buffer {
  const b = Buffer.from(text, "utf8");
  switch (d.kind) {
    case "none":
      return b;
    case "truncate":
      return b.subarray(0, d.at % b.length);
    case "flip": {
      const c = Buffer.from(b);
      c[d.at % c.length] = d.byte;
      return c;
    }
    case "junk":
      return Buffer.concat([b, Buffer.from([d.byte, 0x7d, 0x5d])]);
    case "dupkey":
      return Buffer.from(text.replace('{"type":', '{"type":"individual","type":'), "utf8");
    case "bom":
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b]);
  }
}

const caseArb = fc.record({ seed: fc.nat(4), mutations: fc.array(mutationArb, { minLength: 0, maxLength: 4 }), text: textDamageArb, requestId: fc.option(fc.string({ unit: "binary-ascii", maxLength: 140 }), { freq: 6 }) });

describe("webhook fuzzer", () => {
  it(`${MUTANTS} signed mutated bodies: no 5xx, every 4xx names a field with a message`, async () => {
    const cases = fc.sample(caseArb, { seed: SEED, numRuns: MUTANTS });
    const customer = h.freshCustomer();
    const statuses = new Map<number, number>();
    const bad: string[] = [];
    let next = 0;
    async function worker(): Promise<void> {
      while (next < cases.length) {
        const c = cases[next++]!;
        const body = structuredClone(seeds(customer)[c.seed]!) as Json;
        for (const m of c.mutations) mutate(body, m);
        const raw = damage(JSON.stringify(body), c.text);
        const headers: Record<string, string> = {};
        if (c.requestId !== null && /^[\x20-\x7e]*$/.test(c.requestId)) headers["x-request-id"] = c.requestId;
        const r = await h.send("POST", "/realname/applications", raw, { headers });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        if (r.status >= 500) bad.push(`${r.status} for ${raw.subarray(0, 200).toString("utf8")}: ${r.text.slice(0, 200)}`);
        else if (r.status >= 400) {
          const errors = r.json?.errors;
          const ok = Array.isArray(errors) && errors.length > 0 && errors.every((e: { field?: unknown; message?: unknown }) => typeof e.field === "string" && e.field !== "" && typeof e.message === "string" && e.message !== "");
          if (!ok) bad.push(`${r.status} without field errors: ${r.text.slice(0, 200)}`);
        }
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const summary = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
    console.log(`webhook fuzzer: ${cases.length} mutants, statuses ${JSON.stringify(summary)}`);
    expect(bad.slice(0, 10)).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(MUTANTS);
    // The fuzzer reached past the signature: both accepted and refused bodies occurred.
    expect(statuses.get(401) ?? 0).toBe(0);
    expect((statuses.get(201) ?? 0) + (statuses.get(200) ?? 0)).toBeGreaterThan(0);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(MUTANTS / 4);
  }, 240_000);
});
