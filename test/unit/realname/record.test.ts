import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createStatus, applyEvent, validateApplication, type ApplicationStatus } from "../../../shared/realname/index.ts";
import { finalEventData, isSizeError, publicView, scheduleFor, type RealnameRecord } from "../../../shared/realname/record.ts";

const o = { pollSeconds: 60, retentionSeconds: 3600, requeueSeconds: 120, stuckSubmitSeconds: 600 };
const NOW = Date.parse("2026-03-01T00:00:00Z");
const st = (state: ApplicationStatus["state"], extra: Partial<ApplicationStatus> = {}): ApplicationStatus => ({ state, submitAttempts: 1, ...extra });

describe("scheduleFor", () => {
  it("gives each state its work and due time", () => {
    expect(scheduleFor({ status: st("awaiting_uploads"), uploadExpiresAt: "2026-03-01T01:00:00Z" }, NOW, o)).toEqual({ work: "expire", dueAt: NOW + 3600_000 });
    expect(scheduleFor({ status: st("validated") }, NOW, o)).toEqual({ work: "submit", dueAt: NOW + 120_000 });
    expect(scheduleFor({ status: st("submitting") }, NOW, o)).toEqual({ work: "recover", dueAt: NOW + 600_000 });
    expect(scheduleFor({ status: st("verifying") }, NOW, o)).toEqual({ work: "review", dueAt: NOW });
    expect(scheduleFor({ status: st("under_review") }, NOW, o)).toEqual({ work: "review", dueAt: NOW + 60_000 });
    // failed_config and needs_operator are final (issues 11.3, 12.5): reported to the portal like the others.
    expect(scheduleFor({ status: st("failed_config") }, NOW, o)).toEqual({ work: "notify", dueAt: NOW });
    expect(scheduleFor({ status: st("needs_operator") }, NOW, o)).toEqual({ work: "notify", dueAt: NOW });
    expect(scheduleFor({ status: st("approved") }, NOW, o)).toEqual({ work: "notify", dueAt: NOW });
    expect(scheduleFor({ status: st("rejected"), notifiedAt: "2026-03-01T00:00:10Z", finalAt: "2026-03-01T00:00:00Z" }, NOW, o)).toEqual({ work: "purge", dueAt: NOW + 3600_000 });
    expect(scheduleFor({ status: st("approved", { documentsPurged: true }), notifiedAt: "x" }, NOW, o)).toEqual({});
  });
});

describe("isSizeError", () => {
  const b64 = (n: number) => Buffer.alloc(n, 0xff).toString("base64");
  it("recognises exactly validateApplication's size messages", () => {
    const big = validateApplication({
      type: "enterprise", customer_id: "c1", corp_name: "Acme", certificate_type: 99, verified_number: "X1",
      attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64: b64(4 * 1024 * 1024 + 3) }] },
    });
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.errors.every(isSizeError)).toBe(true);
    const slot = validateApplication({
      type: "enterprise", customer_id: "c1", corp_name: "Acme", certificate_type: 99, verified_number: "X1",
      attachments: { mode: "upload", files: [{ role: "company_certificate", size: 10_000_001 }] },
    });
    expect(slot.ok).toBe(false);
    if (!slot.ok) expect(slot.errors.map(isSizeError)).toEqual([true]);
    const shape = validateApplication({ type: "enterprise", customer_id: "bad id", corp_name: "Acme", certificate_type: 99, verified_number: "X1", attachments: { mode: "inline", files: [] } });
    expect(shape.ok).toBe(false);
    if (!shape.ok) expect(shape.errors.some(isSizeError)).toBe(false);
  });
  it("is false for arbitrary other fields and messages", () => {
    fc.assert(fc.property(fc.string(), fc.string(), (field, message) => {
      fc.pre(!/content_base64$|^attachments\.files/.test(field));
      expect(isSizeError({ field, message })).toBe(false);
    }));
  });
});

describe("publicView / finalEventData", () => {
  it("carry states, codes and the redacted audit, never the application's personal data", () => {
    const created = createStatus("inline", { actor: "portal", at: new Date(NOW) });
    const started = applyEvent(created.status, { type: "submit_started" }, { actor: "t", at: new Date(NOW) });
    const rejected = applyEvent({ ...started.status, state: "under_review" }, { type: "review_result", review: { result: "rejected", opinion: "unclear photo" } }, { actor: "t", at: new Date(NOW) });
    const record: RealnameRecord = {
      id: "0190f5c4-8a1e-7c3b-9d2f-6e4a1b2c3d4e", version: 3, createdAt: "a", updatedAt: "b", customerId: "cust1", type: "enterprise", mode: "inline",
      application: JSON.stringify({ corp_name: "Secret Corp", verified_number: "91350100M000100Y43", enterprise_person: { legel_name: "Wang", legel_id_number: "110105194912310021" } }),
      status: rejected.status, audit: [created.audit, started.audit, rejected.audit], finalAt: "2026-03-01T00:00:00.000Z",
    };
    const text = JSON.stringify([publicView(record), finalEventData(record, new Date(NOW))]);
    for (const s of ["Secret Corp", "91350100M000100Y43", "Wang", "110105194912310021"]) expect(text).not.toContain(s);
    expect(publicView(record)).toMatchObject({ status: "rejected", opinion: "unclear photo", history: [{ event: "created" }, { event: "submit_started" }, { event: "review_result" }] });
    expect(finalEventData(record, new Date(NOW))).toEqual({ application_id: record.id, customer_id: "cust1", type: "enterprise", status: "rejected", opinion: "unclear photo", occurred_at: "2026-03-01T00:00:00.000Z" });
  });
});
