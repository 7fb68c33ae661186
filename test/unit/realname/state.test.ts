import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BSS_REALNAME_CODES, classifySubmitFailure, interpretReviewResult, type ReviewOutcome } from "../../../shared/realname/bss-outcomes.ts";
import {
  ALLOWED_EVENTS,
  APPLICATION_STATES,
  DEFAULT_MAX_SUBMIT_ATTEMPTS,
  FINAL_STATES,
  InvalidTransitionError,
  applyEvent,
  canApply,
  createStatus,
  replay,
  type ApplicationEvent,
  type ApplicationState,
  type ApplicationStatus,
  type AuditEntry,
} from "../../../shared/realname/state.ts";
import { residentIdArb, usccArb } from "./oracle.ts";

const meta = (actor = "test") => ({ actor, at: new Date("2025-06-01T08:00:00Z") });

function run(start: ApplicationStatus, ...events: ApplicationEvent[]): { status: ApplicationStatus; audit: AuditEntry[]; followUps: string[][] } {
  let status = start;
  const audit: AuditEntry[] = [];
  const followUps: string[][] = [];
  for (const e of events) {
    const r = applyEvent(status, e, meta());
    status = r.status;
    audit.push(r.audit);
    followUps.push(r.followUps);
  }
  return { status, audit, followUps };
}

const uploadStart = () => createStatus("upload", meta("portal")).status;
const inlineStart = () => createStatus("inline", meta("portal")).status;

describe("state machine: paths", () => {
  it("presigned upload → approved, with follow-ups and audit trail", () => {
    const created = createStatus("upload", meta("portal"));
    expect(created.status).toEqual({ state: "awaiting_uploads", submitAttempts: 0 });
    expect(created.audit).toMatchObject({ event: "created", from: null, to: "awaiting_uploads", actor: "portal", at: "2025-06-01T08:00:00.000Z" });
    const r = run(
      created.status,
      { type: "upload_rejected", role: "face_photo", reason: "the content is an HTML document" },
      { type: "uploads_verified" },
      { type: "submit_started" },
      { type: "bss_accepted", isReview: 1 },
      { type: "review_result", review: { result: "under_review" } },
      { type: "review_result", review: { result: "approved" } },
      { type: "documents_purged", objects: 3 },
    );
    expect(r.audit.map((a) => [a.event, a.from, a.to])).toEqual([
      ["upload_rejected", "awaiting_uploads", "awaiting_uploads"],
      ["uploads_verified", "awaiting_uploads", "validated"],
      ["submit_started", "validated", "submitting"],
      ["bss_accepted", "submitting", "under_review"],
      ["review_result", "under_review", "under_review"],
      ["review_result", "under_review", "approved"],
      ["documents_purged", "approved", "approved"],
    ]);
    expect(r.followUps).toEqual([[], ["submit"], [], ["poll_review"], ["poll_review"], ["notify", "schedule_purge"], []]);
    expect(r.status).toEqual({ state: "approved", submitAttempts: 1, isReview: 1, documentsPurged: true });
    expect(r.audit[0]!.detail).toContain("face_photo");
  });

  it("inline → rejected keeps the opinion for the portal", () => {
    expect(createStatus("inline", meta()).followUps).toEqual(["submit"]);
    const r = run(inlineStart(), { type: "submit_started" }, { type: "bss_accepted", isReview: 0 }, { type: "review_result", review: { result: "rejected", opinion: "证件照片不清晰" } });
    expect(r.status).toMatchObject({ state: "rejected", opinion: "证件照片不清晰" });
    expect(r.audit[2]!.detail).toBe("review rejected: 证件照片不清晰");
  });

  it("CBC.99005030 → failed_config: final, reported to the portal, with an operator action", () => {
    const r = run(inlineStart(), { type: "submit_started" }, { type: "bss_failed", failure: { kind: "http", code: "CBC.99005030", status: 400, message: "bucket auth failed" } });
    expect(r.status.state).toBe("failed_config");
    expect(FINAL_STATES.has("failed_config")).toBe(true);
    expect(r.followUps.at(-1)).toEqual(["notify", "schedule_purge", "alert_operator"]);
    expect(r.status.failure).toMatchObject({ code: "CBC.99005030", disposition: "failed_config", detail: "bucket auth failed" });
    expect(r.status.failure?.operatorAction).toContain("实名认证附件上传");
    expect(canApply("failed_config", "submit_started")).toBe(false);
  });

  it("throttling goes back to validated for a retry, until the attempt cap", () => {
    let s = inlineStart();
    for (let i = 1; i <= 3; i++) {
      const r = run(s, { type: "submit_started" }, { type: "bss_failed", failure: { kind: "http", code: "CBC.0250", status: 429 } });
      s = r.status;
      expect(s.state).toBe("validated");
      expect(s.submitAttempts).toBe(i);
    }
    s = run(s, { type: "submit_started" }).status;
    const capped = applyEvent(s, { type: "bss_failed", failure: { kind: "http", code: "APIG.0308", status: 429 } }, { ...meta(), maxSubmitAttempts: 4 });
    expect(capped.status.state).toBe("failed");
    expect(capped.status.failure?.message).toContain("gave up after 4 attempts");
    expect(capped.followUps).toEqual(["notify", "schedule_purge"]);
  });

  it("ambiguous submission: verify by review result, never a blind resubmit", () => {
    const amb = run(inlineStart(), { type: "submit_started", baseline: { result: "none" } }, { type: "bss_failed", failure: { kind: "ambiguous", code: "LOCAL.TIMEOUT" } });
    expect(amb.status.state).toBe("verifying");
    expect(amb.followUps.at(-1)).toEqual(["check_review_result"]);
    expect(() => applyEvent(amb.status, { type: "submit_started" }, meta())).toThrow(InvalidTransitionError);

    const recorded = applyEvent(amb.status, { type: "review_result", review: { result: "under_review" } }, meta());
    expect(recorded.status.state).toBe("under_review");
    expect(recorded.audit.detail).toContain("was recorded");

    const none = applyEvent(amb.status, { type: "review_result", review: { result: "none" } }, meta());
    expect(none.status.state).toBe("validated");
    expect(none.followUps).toEqual(["submit"]);
  });

  it("a rejection seen before submitting is not mistaken for the new result", () => {
    const old = { result: "rejected" as const, opinion: "营业执照模糊" };
    const amb = run(inlineStart(), { type: "submit_started", baseline: old }, { type: "bss_failed", failure: { kind: "http", code: "CBC.0999", status: 500 } });
    expect(amb.status.state).toBe("verifying");
    expect(applyEvent(amb.status, { type: "review_result", review: old }, meta()).status.state).toBe("validated");
    const fresh = applyEvent(amb.status, { type: "review_result", review: { result: "rejected", opinion: "法人信息不符" } }, meta());
    expect(fresh.status).toMatchObject({ state: "rejected", opinion: "法人信息不符" });
  });

  describe("issue 12.5: a review result counts as ours only with evidence (a change against the baseline)", () => {
    const ambiguous = (baseline?: ReviewOutcome) =>
      run(inlineStart(), { type: "submit_started", ...(baseline ? { baseline } : {}) }, { type: "bss_failed", failure: { kind: "ambiguous", code: "HTTP.502", status: 502 } }).status;
    const after = (baseline: ReviewOutcome | undefined, review: ReviewOutcome) => applyEvent(ambiguous(baseline), { type: "review_result", review }, meta());

    it("an approval that was already there (earlier application; a change of an approved individual) is not ours: needs_operator, never approved", () => {
      const r = after({ result: "approved" }, { result: "approved" });
      expect(r.status.state).toBe("needs_operator");
      expect(FINAL_STATES.has("needs_operator")).toBe(true);
      expect(r.followUps).toEqual(["notify", "schedule_purge", "alert_operator"]);
      expect(r.status.failure).toMatchObject({ code: "LOCAL.UNVERIFIABLE", operatorAction: expect.stringContaining("Partner Center") });
    });

    it("a review in progress that was already there (a console application) is not ours: needs_operator", () => {
      expect(after({ result: "under_review" }, { result: "under_review" }).status.state).toBe("needs_operator");
    });

    it("without a baseline nothing is evidence except 'nothing on record'", () => {
      for (const review of [{ result: "under_review" }, { result: "approved" }, { result: "rejected", opinion: "x" }] as ReviewOutcome[]) {
        expect(after(undefined, review).status.state).toBe("needs_operator");
      }
      expect(after(undefined, { result: "none" }).status.state).toBe("validated");
    });

    it("a result that differs from the baseline is ours", () => {
      expect(after({ result: "none" }, { result: "under_review" }).status.state).toBe("under_review");
      expect(after({ result: "none" }, { result: "approved" }).status.state).toBe("approved");
      expect(after({ result: "rejected", opinion: "old" }, { result: "under_review" }).status.state).toBe("under_review");
      expect(after({ result: "under_review" }, { result: "approved" }).status.state).toBe("approved");
      expect(after({ result: "approved" }, { result: "rejected", opinion: "new" }).status).toMatchObject({ state: "rejected", opinion: "new" });
    });

    it("property: with the baseline equal to the result, the application never ends approved, rejected or under review", () => {
      const reviewArb = fc.oneof(
        fc.constant<ReviewOutcome>({ result: "none" }),
        fc.constant<ReviewOutcome>({ result: "under_review" }),
        fc.constant<ReviewOutcome>({ result: "approved" }),
        fc.string({ minLength: 1, maxLength: 20 }).map((opinion): ReviewOutcome => ({ result: "rejected", opinion })),
      );
      fc.assert(
        fc.property(reviewArb, (review) => {
          const state = after(review, review).status.state;
          expect(["validated", "needs_operator"]).toContain(state);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe("issue 11.3: every non-retryable BSS answer ends the application", () => {
    it("CBC.99000035 on the baseline read (not the partner's customer) → failed with the reason, reported", () => {
      const r = applyEvent(inlineStart(), { type: "baseline_failed", failure: { kind: "http", code: "CBC.99000035", status: 400, message: "not a sub-customer" } }, meta());
      expect(r.status.state).toBe("failed");
      expect(r.followUps).toEqual(["notify", "schedule_purge"]);
      expect(r.status.failure).toMatchObject({ code: "CBC.99000035", disposition: "failed", message: expect.stringContaining("not one of the partner's customers") });
    });

    it("a transient baseline read failure retries, and counts towards the cap", () => {
      let s = inlineStart();
      for (let i = 1; i < DEFAULT_MAX_SUBMIT_ATTEMPTS; i++) {
        const r = applyEvent(s, { type: "baseline_failed", failure: { kind: "http", code: "HTTP.503", status: 503 } }, meta());
        expect(r.status.state).toBe("validated");
        expect(r.followUps).toEqual(["submit"]);
        s = r.status;
      }
      expect(applyEvent(s, { type: "baseline_failed", failure: { kind: "timeout", code: "LOCAL.TIMEOUT" } }, meta()).status.state).toBe("failed");
    });

    it("a final answer while reading the review result ends it; a transient one keeps polling", () => {
      for (const from of ["under_review", "verifying"] as const) {
        const r = applyEvent({ state: from, submitAttempts: 1 }, { type: "review_unreadable", failure: { kind: "http", code: "CBC.99000035", status: 400 } }, meta());
        expect(r.status.state).toBe("failed");
        const cfg = applyEvent({ state: from, submitAttempts: 1 }, { type: "review_unreadable", failure: { kind: "http", code: "CBC.0151", status: 403 } }, meta());
        expect(cfg.status.state).toBe("failed_config");
      }
      expect(applyEvent({ state: "under_review", submitAttempts: 1 }, { type: "review_unreadable", failure: { kind: "http", code: "CBC.0250", status: 429 } }, meta()).status.state).toBe("under_review");
    });

    it("property: every classification is either retryable (keeps going) or final (ends in a final state)", () => {
      const codes = [...Object.keys(BSS_REALNAME_CODES), "CBC.12345", "HTTP.500", "HTTP.404", "APIG.0308", "APIG.1009", "LOCAL.TIMEOUT", "LOCAL.NETWORK"];
      fc.assert(
        fc.property(fc.constantFrom(...codes), fc.constantFrom(undefined, 200, 400, 401, 403, 404, 429, 500, 502, 503), fc.constantFrom(undefined, "http", "business", "network", "timeout", "ambiguous", "invalid-response"), (code, status, kind) => {
          const failure = { code, ...(status !== undefined ? { status } : {}), ...(kind !== undefined ? { kind } : {}) };
          const submitted = run(inlineStart(), { type: "submit_started", baseline: { result: "none" } });
          const r = applyEvent(submitted.status, { type: "bss_failed", failure }, meta());
          const d = classifySubmitFailure(failure).disposition;
          if (d === "failed" || d === "failed_config") {
            expect(FINAL_STATES.has(r.status.state)).toBe(true);
            expect(r.followUps).toContain("notify");
          } else {
            expect(["validated", "verifying"]).toContain(r.status.state);
          }
          // Throttling, 5xx, timeouts and network trouble are never final.
          if (status === 429 || (status !== undefined && status >= 500) || kind === "timeout" || kind === "network" || kind === "ambiguous") {
            if (!(code in BSS_REALNAME_CODES) || code === "CBC.0999" || code === "CBC.0250" || code === "APIG.0308") expect(["retry", "verify"]).toContain(d);
          }
        }),
        { numRuns: 400 },
      );
    });
  });

  it("replay rebuilds the same status and audit", () => {
    const events = [{ type: "uploads_verified" }, { type: "submit_started" }, { type: "bss_accepted", isReview: 0 }] as const;
    const r = replay("upload", events.map((event) => ({ event, meta: meta() })), meta("portal"));
    expect(r.status).toEqual(run(uploadStart(), ...events).status);
    expect(r.audit.map((a) => a.to)).toEqual(["awaiting_uploads", "validated", "submitting", "under_review"]);
  });
});

describe("state machine: allowed transitions", () => {
  const sampleEvents: ApplicationEvent[] = [
    { type: "uploads_verified" },
    { type: "upload_rejected", role: "face_photo", reason: "x" },
    { type: "uploads_expired" },
    { type: "submit_started" },
    { type: "bss_accepted", isReview: 1 },
    { type: "bss_failed", failure: { code: "CBC.0100", status: 400 } },
    { type: "review_result", review: { result: "approved" } },
    { type: "baseline_failed", failure: { code: "CBC.0250", status: 429 } },
    { type: "review_unreadable", failure: { code: "CBC.99000035", status: 400 } },
    { type: "documents_purged", objects: 1 },
  ];

  it("applyEvent succeeds exactly for the events ALLOWED_EVENTS lists", () => {
    fc.assert(
      fc.property(fc.constantFrom(...APPLICATION_STATES), fc.constantFrom(...sampleEvents), (state, event) => {
        const status: ApplicationStatus = { state, submitAttempts: 1 };
        const allowed = ALLOWED_EVENTS[state].includes(event.type);
        if (allowed) expect(APPLICATION_STATES).toContain(applyEvent(status, event, meta()).status.state);
        else expect(() => applyEvent(status, event, meta())).toThrow(new InvalidTransitionError(state, event.type).message);
      }),
      { numRuns: 400 },
    );
  });

  it("final states accept nothing but documents_purged and never leave", () => {
    for (const s of FINAL_STATES) {
      expect(ALLOWED_EVENTS[s]).toEqual(["documents_purged"]);
      expect(applyEvent({ state: s, submitAttempts: 1 }, { type: "documents_purged", objects: 2 }, meta()).status.state).toBe(s);
    }
  });

  it("random event sequences only ever take allowed transitions, and never leave a final state", () => {
    fc.assert(
      fc.property(fc.constantFrom<"inline" | "upload">("inline", "upload"), fc.array(fc.constantFrom(...sampleEvents), { maxLength: 30 }), (mode, events) => {
        let status = createStatus(mode, meta()).status;
        let wasFinal: ApplicationState | undefined;
        for (const e of events) {
          if (!ALLOWED_EVENTS[status.state].includes(e.type)) continue;
          status = applyEvent(status, e, meta()).status;
          if (wasFinal) expect(status.state).toBe(wasFinal);
          if (FINAL_STATES.has(status.state)) wasFinal = status.state;
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("BSS outcomes", () => {
  it("every listed code has a disposition and a message; config codes have operator actions", () => {
    for (const [code, info] of Object.entries(BSS_REALNAME_CODES)) {
      const o = classifySubmitFailure({ kind: "http", code, status: 400 });
      expect(o.disposition).toBe(info.disposition);
      expect(o.message.length).toBeGreaterThan(10);
      if (o.disposition === "failed_config") expect(o.operatorAction).toBeTruthy();
    }
    for (const code of ["CBC.99000099", "CBC.99000100", "CBC.99007188", "CBC.99007189", "CBC.99007191", "CBC.99007193", "CBC.99007202", "CBC.99007219", "CBC.99007255", "CBC.99007258", "CBC.99007260", "CBC.99007261", "CBC.99007262", "CBC.99007004", "CBC.70600026", "CBC.99000027", "CBC.99000035"]) {
      expect(BSS_REALNAME_CODES[code]?.disposition).toBe("failed");
    }
    expect(BSS_REALNAME_CODES["CBC.99005030"]?.disposition).toBe("failed_config");
  });

  it("kinds and statuses without a known code", () => {
    expect(classifySubmitFailure({ kind: "ambiguous", code: "HTTP.502", status: 502 }).disposition).toBe("verify");
    expect(classifySubmitFailure({ kind: "timeout", code: "LOCAL.TIMEOUT" }).disposition).toBe("verify");
    expect(classifySubmitFailure({ kind: "invalid-response", code: "LOCAL.INVALID_RESPONSE", status: 200 }).disposition).toBe("verify");
    expect(classifySubmitFailure({ kind: "network", code: "LOCAL.NETWORK" }).disposition).toBe("retry");
    expect(classifySubmitFailure({ kind: "validation", code: "LOCAL.VALIDATION" })).toMatchObject({ disposition: "failed", operatorAction: expect.stringContaining("bug") });
    expect(classifySubmitFailure({ code: "CBC.12345", status: 503 }).disposition).toBe("verify");
    expect(classifySubmitFailure({ code: "HTTP.429", status: 429 }).disposition).toBe("retry");
    expect(classifySubmitFailure({ code: "CBC.12345", status: 400 })).toMatchObject({ disposition: "failed", message: expect.stringContaining("CBC.12345") });
  });

  it("interpretReviewResult", () => {
    expect(interpretReviewResult({})).toEqual({ result: "none" });
    expect(interpretReviewResult(undefined)).toEqual({ result: "none" });
    expect(interpretReviewResult({ review_result: 0 })).toEqual({ result: "under_review" });
    expect(interpretReviewResult({ review_result: 2, extra: 1 })).toEqual({ result: "approved" });
    expect(interpretReviewResult({ review_result: 1, opinion: " 照片不清晰 " })).toEqual({ result: "rejected", opinion: "照片不清晰" });
    expect(interpretReviewResult({ review_result: 1 })).toEqual({ result: "rejected", opinion: "rejected without an opinion" });
    // Tolerant reading (issue 12.2): an undocumented value means a review exists that is not known to be final.
    expect(interpretReviewResult({ review_result: 3 })).toEqual({ result: "under_review" });
    expect(() => interpretReviewResult({ review_result: "2" })).toThrow();
  });
});

describe("audit entries never carry identifiers", () => {
  it("property: ID numbers, credit codes, card and phone numbers in BSS messages, reasons and opinions are masked", () => {
    fc.assert(
      fc.property(residentIdArb(), usccArb, fc.stringMatching(/^62\d{14,17}$/), fc.stringMatching(/^1[3-9]\d{9}$/), (id, uscc, card, mobile) => {
        const text = `证件号码${id}与统一社会信用代码 ${uscc} 不符; card ${card}, tel ${mobile}`;
        const s = run(inlineStart(), { type: "submit_started" });
        const entries: AuditEntry[] = [
          applyEvent(s.status, { type: "bss_failed", failure: { kind: "http", code: "CBC.99007202", status: 400, message: text } }, meta()).audit,
          applyEvent({ state: "under_review", submitAttempts: 1 }, { type: "review_result", review: { result: "rejected", opinion: text } }, meta()).audit,
          applyEvent(uploadStart(), { type: "upload_rejected", role: "face_photo", reason: text }, meta()).audit,
          applyEvent({ state: "under_review", submitAttempts: 1 }, { type: "review_unreadable", failure: { kind: "http", code: "CBC.0100", status: 400, message: text } }, meta()).audit,
        ];
        const failure = applyEvent(s.status, { type: "bss_failed", failure: { kind: "http", code: "CBC.99007202", status: 400, message: text } }, meta()).status.failure;
        for (const e of [...entries.map((x) => JSON.stringify(x)), JSON.stringify(failure)]) {
          for (const secret of [id, uscc, card, mobile]) expect(e).not.toContain(secret);
        }
      }),
      { numRuns: 300 },
    );
  });
});
