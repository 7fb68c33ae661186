/**
 * The real-name flows, wired to their adapters (records, partner bucket, BSS, queues, callback).
 * Decisions come from the I/O-free modules of shared/realname (validation, file checks, keys, BSS
 * body, state machine, schedule); this module only sequences the calls and saves the results.
 *
 * Logs carry application ids, states, roles and codes — never names, numbers, file bytes,
 * secrets or review opinions.
 */
import { createHash } from "node:crypto";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { BssClient } from "../bss/client.ts";
import { isBssError } from "../bss/errors.ts";
import {
  FINAL_STATES,
  SubmissionBuildError,
  applicationKeyPrefixes,
  applyEvent,
  buildSubmission,
  checkInlineAttachments,
  MAX_FILE_BYTES,
  checkStagedUpload,
  createStatus,
  classifySubmitFailure,
  interpretReviewResult,
  isApplicationId,
  isFinalDisposition,
  newApplicationId,
  planObjectKeys,
  planUploadSlotKeys,
  validateApplication,
  type Application,
  type ApplicationEvent,
  type FieldError,
  type FileType,
  type DocumentRole,
  type FollowUp,
  type ReviewOutcome,
  type SubmitFailure,
  type UploadSlotRequest,
} from "../realname/index.ts";
import {
  FINAL_EVENT_MESSAGES,
  RECORD_TTL_AFTER_PURGE_SECONDS,
  REQUEST_MARKER_TTL_SECONDS,
  applicationForStorage,
  applicationFromStorage,
  finalEventData,
  isFinalEventState,
  isSizeError,
  publicView,
  scheduleFor,
  type RealnameRecord,
  type StoredDocument,
  type StoredSlot,
  type WorkKind,
} from "../realname/record.ts";
import type { MetricsPort } from "../metrics/index.ts";
import type { Envelope } from "../queue/envelope.ts";
import type { CallbackResult } from "./callback.ts";
import type { RealnameSettings } from "./config.ts";
import type { PartnerBucket } from "./documents.ts";
import { StagedObjectChangedError } from "./documents.ts";
import { VersionConflictError, type RecordStore } from "./records.ts";

export interface RealnameDeps {
  settings: RealnameSettings;
  records: RecordStore;
  /** Resolved lazily: credentials are secrets, read at invoke time. */
  bucket: () => Promise<PartnerBucket>;
  bss: () => Promise<BssClient>;
  xaccountType: () => string;
  publishSubmit: (applicationId: string) => Promise<void>;
  publishEvent: (envelope: Envelope) => Promise<void>;
  callback: (url: string, payload: unknown) => Promise<CallbackResult>;
  /** Applications by state entered (issue 16.2); the BSS client's observer counts into the same port. */
  metrics?: MetricsPort;
  logger: Logger;
  now?: () => Date;
}

export interface HttpResult {
  statusCode: number;
  body: Record<string, unknown>;
}

const json = (statusCode: number, body: Record<string, unknown>): HttpResult => ({ statusCode, body });

export function createRealnameService(deps: RealnameDeps) {
  const now = deps.now ?? (() => new Date());
  const { settings, records, logger } = deps;

  // ---------------------------------------------------------------------------------------------
  // Transitions

  function transition(rec: RealnameRecord, event: ApplicationEvent, actor: string): { record: RealnameRecord; followUps: FollowUp[] } {
    const at = now();
    const r = applyEvent(rec.status, event, { actor, at, maxSubmitAttempts: settings.maxSubmitAttempts });
    const next: RealnameRecord = { ...rec, status: r.status, audit: [...rec.audit, r.audit], updatedAt: at.toISOString() };
    if (FINAL_STATES.has(r.status.state) && next.finalAt === undefined) next.finalAt = at.toISOString();
    if (r.status.state !== rec.status.state) deps.metrics?.count("Applications", r.status.state);
    return { record: withSchedule(next, at.getTime()), followUps: r.followUps };
  }

  function withSchedule(rec: RealnameRecord, at: number): RealnameRecord {
    const s = scheduleFor(rec, at, settings.schedule);
    const next = { ...rec };
    if (s.work) {
      next.work = s.work;
      next.dueAt = s.dueAt ?? at;
    } else {
      delete next.work;
      delete next.dueAt;
    }
    return next;
  }

  async function enqueueSubmit(rec: RealnameRecord): Promise<void> {
    try {
      await deps.publishSubmit(rec.id);
    } catch (err) {
      // The record says "submit" with a due time: realname-status queues it again.
      logger.warn("realname: could not queue the submission; realname-status will retry", { applicationId: rec.id, error: (err as Error).name });
    }
  }

  async function presignSlots(rec: RealnameRecord, only?: ReadonlySet<DocumentRole>) {
    const bucket = await deps.bucket();
    const expiresAt = new Date(now().getTime() + settings.uploadUrlSeconds * 1000).toISOString();
    const out = [];
    for (const slot of rec.slots ?? []) {
      if (only && !only.has(slot.role)) continue;
      out.push({
        position: slot.position,
        role: slot.role,
        method: "PUT",
        url: await bucket.presignPut(slot.key, settings.uploadUrlSeconds),
        size: slot.size,
        expires_at: expiresAt,
      });
    }
    return out;
  }

  async function creationResponse(rec: RealnameRecord, statusCode: number): Promise<HttpResult> {
    const body: Record<string, unknown> = { id: rec.id, status: rec.status.state, attachments_mode: rec.mode };
    if (rec.status.state === "awaiting_uploads") {
      body["uploads"] = await presignSlots(rec);
      body["submit"] = { method: "POST", path: `/realname/applications/${rec.id}/submit` };
      body["uploads_expire_at"] = rec.uploadExpiresAt;
    }
    return json(statusCode, body);
  }

  // ---------------------------------------------------------------------------------------------
  // POST /realname/applications

  /**
   * `beforeChanges` runs once the body is valid and before anything is stored (the API's replay
   * guard: a replayed signature must not create a second application); a refusal is returned as is.
   * `parsedBody`: the body already parsed from `rawBody` (the HTTP layer's JSON parser).
   */
  async function createApplication(rawBody: string, requestId: string | undefined, beforeChanges?: () => Promise<HttpResult | undefined>, parsedBody?: unknown): Promise<HttpResult> {
    let parsed: unknown = parsedBody;
    if (parsed === undefined) {
      try {
        parsed = JSON.parse(rawBody);
      } catch {
        return json(400, { error: "invalid_body", errors: [{ field: "(body)", message: "must be a JSON object" }] });
      }
    }
    const validation = validateApplication(parsed, {
      ...(settings.callbackHosts ? { callbackHosts: settings.callbackHosts } : {}),
      allowLoopbackHttpCallback: settings.allowLoopbackHttpCallback,
      site: settings.site,
    });
    if (!validation.ok) {
      if (validation.errors.every(isSizeError)) return json(422, { error: "unprocessable_file", errors: validation.errors });
      return json(400, { error: "validation_failed", errors: validation.errors });
    }
    const app = validation.value;

    let inline: ReturnType<typeof checkInlineAttachments> | undefined;
    if (app.attachments.mode === "inline") {
      inline = checkInlineAttachments(app);
      if (!inline.ok) {
        logger.info("realname: inline attachment rejected", { fields: inline.errors.map((e) => e.field) });
        return json(422, { error: "unprocessable_file", errors: inline.errors });
      }
    }

    const refused = await beforeChanges?.();
    if (refused) return refused;

    let id = newApplicationId({ now: now().getTime() });
    const bodyHash = sha256OfText(rawBody);
    if (requestId !== undefined) {
      const claim = await records.claimRequest(requestId, {
        applicationId: id,
        bodyHash,
        createdAt: now().toISOString(),
        expiresAt: Math.floor(now().getTime() / 1000) + REQUEST_MARKER_TTL_SECONDS,
      });
      if (!claim.claimed) {
        if (claim.existing.bodyHash !== bodyHash) {
          return json(409, { error: "request_id_reused", message: "this X-Request-Id was already used with a different body" });
        }
        const existing = await records.get(claim.existing.applicationId);
        if (existing) return creationResponse(existing, 200);
        // The first attempt did not finish: finish it under the same id.
        id = claim.existing.applicationId;
      }
    }

    const at = now();
    const created = createStatus(app.attachments.mode, { actor: "portal", at });
    const base: RealnameRecord = {
      id,
      version: 1,
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      customerId: app.customer_id,
      type: app.type,
      mode: app.attachments.mode,
      ...(requestId !== undefined ? { requestId, bodyHash } : {}),
      application: applicationForStorage(app),
      ...(app.callback_url !== undefined ? { callbackUrl: app.callback_url } : {}),
      status: created.status,
      audit: [created.audit],
    };

    let record: RealnameRecord;
    if (inline?.ok) {
      const fileTypes: Partial<Record<DocumentRole, FileType>> = inline.fileTypes;
      const plan = planObjectKeys({ prefix: settings.keyPrefix, applicationId: id, application: app, fileTypes, site: settings.site });
      const bucket = await deps.bucket();
      const documents: StoredDocument[] = [];
      for (const p of plan) {
        const file = inline.files.find((f) => f.role === p.role);
        if (!file) throw new Error(`internal: no checked file for ${p.role}`);
        const { etag } = await bucket.put(p.key, file.content, p.contentType);
        documents.push({ ...p, size: file.size, ...(etag ? { etag } : {}) });
      }
      record = withSchedule({ ...base, documents }, at.getTime());
    } else {
      const declared = new Map((app.attachments.files as UploadSlotRequest[]).map((f) => [f.role, f]));
      const slots: StoredSlot[] = planUploadSlotKeys({ prefix: settings.keyPrefix, applicationId: id, application: app, site: settings.site }).map((s) => {
        const d = declared.get(s.role);
        if (!d) throw new Error(`internal: no declared slot for ${s.role}`);
        return { ...s, size: d.size, ...(d.content_type ? { content_type: d.content_type } : {}), ...(d.file_name ? { file_name: d.file_name } : {}) };
      });
      const uploadExpiresAt = new Date(at.getTime() + settings.uploadWindowSeconds * 1000).toISOString();
      record = withSchedule({ ...base, slots, uploadExpiresAt }, at.getTime());
    }

    if (!(await records.create(record))) {
      const existing = await records.get(id);
      if (existing) return creationResponse(existing, 200);
      throw new Error("application record vanished after a conflicting create");
    }
    logger.info("realname: application created", { applicationId: id, type: app.type, mode: record.mode, state: record.status.state });
    deps.metrics?.count("Applications", record.status.state);
    if (record.status.state === "validated") await enqueueSubmit(record);
    return creationResponse(record, 201);
  }

  // ---------------------------------------------------------------------------------------------
  // POST /realname/applications/{id}/submit

  async function submitUploads(id: string): Promise<HttpResult> {
    const rec = isApplicationId(id) ? await records.get(id) : undefined;
    if (!rec) return json(404, { error: "not_found", message: "no such application" });
    if (rec.mode !== "upload") return json(409, { error: "not_an_upload_application", message: "this application was sent with inline attachments", application: publicView(rec) });
    if (rec.status.state === "expired") return json(409, { error: "expired", message: "the upload window of this application has closed", application: publicView(rec) });
    if (rec.status.state !== "awaiting_uploads") return json(200, publicView(rec));

    if (rec.uploadExpiresAt && now().getTime() > Date.parse(rec.uploadExpiresAt)) {
      const t = transition(rec, { type: "uploads_expired" }, "portal");
      const saved = await records.save(t.record);
      return json(409, { error: "expired", message: "the upload window of this application has closed", application: publicView(saved) });
    }

    // Nothing is downloaded: the size comes from HEAD, the type from the first 2 KiB (one ranged GET).
    const bucket = await deps.bucket();
    const missing: FieldError[] = [];
    const rejected: { slot: StoredSlot; error: FieldError }[] = [];
    const accepted: { slot: StoredSlot; type: FileType; size: number; etag: string | undefined }[] = [];
    for (const slot of rec.slots ?? []) {
      const field = `uploads.${slot.role}`;
      let staged;
      try {
        staged = await bucket.peek(slot.key, { maxBytes: MAX_FILE_BYTES });
      } catch (err) {
        if (err instanceof StagedObjectChangedError) return json(409, { error: "upload_changed", errors: [{ field, message: err.message }] });
        throw err;
      }
      if (!staged) {
        missing.push({ field, message: "no file was uploaded for this document" });
        continue;
      }
      const check = checkStagedUpload(slot, staged);
      if (!check.ok) {
        rejected.push({ slot, error: { field, message: check.message } });
        continue;
      }
      accepted.push({ slot, type: check.type, size: staged.size, etag: staged.etag });
    }

    if (rejected.length > 0) {
      let current = rec;
      for (const { slot, error } of rejected) current = transition(current, { type: "upload_rejected", role: slot.role, reason: error.message }, "portal").record;
      await bucket.deleteMany(rejected.map((x) => x.slot.key));
      await records.save(current).catch((err: unknown) => {
        if (!(err instanceof VersionConflictError)) throw err;
      });
      logger.info("realname: uploaded file rejected", { applicationId: id, roles: rejected.map((x) => x.slot.role) });
      const again = new Set(rejected.map((x) => x.slot.role));
      return json(422, {
        error: "unprocessable_file",
        errors: [...rejected.map((x) => x.error), ...missing],
        uploads: await presignSlots(rec, again),
      });
    }
    if (missing.length > 0) {
      return json(409, { error: "uploads_incomplete", errors: missing });
    }

    const app = applicationFromStorage(rec.application);
    const fileTypes: Partial<Record<DocumentRole, FileType>> = {};
    for (const a of accepted) fileTypes[a.slot.role] = a.type;
    const plan = planObjectKeys({ prefix: settings.keyPrefix, applicationId: id, application: app, fileTypes, site: settings.site });
    const documents: StoredDocument[] = [];
    for (const p of plan) {
      const a = accepted.find((x) => x.slot.role === p.role);
      if (!a) throw new Error(`internal: no accepted upload for ${p.role}`);
      let copied;
      try {
        copied = await bucket.publish(a.slot.key, p.key, p.contentType, a.etag);
      } catch (err) {
        if (err instanceof StagedObjectChangedError) {
          return json(409, { error: "upload_changed", errors: [{ field: `uploads.${p.role}`, message: err.message }] });
        }
        throw err;
      }
      const etag = copied.etag ?? a.etag;
      documents.push({ ...p, size: a.size, ...(etag ? { etag } : {}) });
    }
    const t = transition({ ...rec, documents }, { type: "uploads_verified" }, "portal");
    let saved: RealnameRecord;
    try {
      saved = await records.save(t.record);
    } catch (err) {
      if (err instanceof VersionConflictError) {
        const latest = await records.get(id);
        return json(200, latest ? publicView(latest) : { id });
      }
      throw err;
    }
    await bucket.deleteMany((rec.slots ?? []).map((s) => s.key)).catch((err: unknown) => {
      logger.warn("realname: staged uploads not deleted (purge removes them later)", { applicationId: id, error: (err as Error).name });
    });
    logger.info("realname: uploads verified", { applicationId: id, documents: documents.length });
    await enqueueSubmit(saved);
    return json(202, publicView(saved));
  }

  // ---------------------------------------------------------------------------------------------
  // GET /realname/applications/{id}

  async function getApplication(id: string): Promise<HttpResult> {
    const rec = isApplicationId(id) ? await records.get(id) : undefined;
    if (!rec) return json(404, { error: "not_found", message: "no such application" });
    return json(200, publicView(rec));
  }

  // ---------------------------------------------------------------------------------------------
  // realname-submit

  async function readReview(bss: BssClient, customerId: string): Promise<ReviewOutcome> {
    return interpretReviewResult(await bss.reviewResult(customerId));
  }

  /** A BSS (or unexpected) error as the state machine's failure facts; classification happens there, once. */
  function failureOf(err: unknown): SubmitFailure {
    if (isBssError(err)) return { kind: err.kind, code: err.code, message: err.detail, ...(err.status !== undefined ? { status: err.status } : {}) };
    return { kind: "ambiguous", code: "UNKNOWN", message: "the BSS call failed in an unexpected way" };
  }

  function alertOperator(rec: RealnameRecord, followUps: readonly FollowUp[]): void {
    const failure = rec.status.failure;
    if (!followUps.includes("alert_operator") || !failure) return;
    logger.error(`realname: OPERATOR ACTION REQUIRED — ${rec.status.state === "needs_operator" ? "outcome of the submission unknown" : "real-name configuration error"}`, {
      applicationId: rec.id,
      state: rec.status.state,
      code: failure.code,
      problem: failure.message,
      action: failure.operatorAction ?? "see the BSS documentation for this code",
    });
  }

  /**
   * Reads the review result and applies it. A retryable read failure leaves the record for
   * realname-status; a final one (e.g. CBC.99000035, CBC.0151) ends the application.
   */
  async function resolveReview(rec: RealnameRecord, actor: string): Promise<RealnameRecord> {
    const bss = await deps.bss();
    let review: ReviewOutcome;
    try {
      review = await readReview(bss, rec.customerId);
    } catch (err) {
      const failure = failureOf(err);
      if (!isFinalDisposition(classifySubmitFailure(failure, "read").disposition)) {
        logger.warn("realname: review result not readable now", { applicationId: rec.id, code: failure.code });
        return rec;
      }
      const t = transition(rec, { type: "review_unreadable", failure }, actor);
      const saved = await records.save(t.record);
      logger.info("realname: review result refused", { applicationId: rec.id, from: rec.status.state, state: saved.status.state, code: failure.code });
      alertOperator(saved, t.followUps);
      return saved;
    }
    const t = transition(rec, { type: "review_result", review }, actor);
    const saved = await records.save(t.record);
    logger.info("realname: review result", { applicationId: rec.id, from: rec.status.state, state: saved.status.state });
    alertOperator(saved, t.followUps);
    if (t.followUps.includes("submit")) await enqueueSubmit(saved);
    return saved;
  }

  async function processSubmit(applicationId: string): Promise<void> {
    let rec = await records.get(applicationId);
    if (!rec) {
      logger.warn("realname: submission for an unknown application dropped", { applicationId });
      return;
    }
    if (rec.status.state !== "validated") {
      logger.info("realname: nothing to submit", { applicationId, state: rec.status.state });
      return;
    }
    const bss = await deps.bss();
    // What BSS shows before we submit, to tell a stale result from ours if the answer gets lost.
    let baseline: ReviewOutcome;
    try {
      baseline = await readReview(bss, rec.customerId);
    } catch (err) {
      // Classified once: a final answer (CBC.99000035 not our customer, CBC.0151 …) ends the
      // application with its reason; a retryable one counts as an attempt and is retried later.
      const t = transition(rec, { type: "baseline_failed", failure: failureOf(err) }, "realname-submit");
      try {
        rec = await records.save(t.record);
      } catch (saveErr) {
        if (saveErr instanceof VersionConflictError) return;
        throw saveErr;
      }
      logger.info("realname: not submitted", { applicationId, state: rec.status.state, code: rec.status.failure?.code, disposition: rec.status.failure?.disposition });
      alertOperator(rec, t.followUps);
      return;
    }
    try {
      rec = await records.save(transition(rec, { type: "submit_started", baseline }, "realname-submit").record);
    } catch (err) {
      if (err instanceof VersionConflictError) {
        logger.info("realname: submission taken by another worker", { applicationId });
        return;
      }
      throw err;
    }

    let event: ApplicationEvent;
    try {
      const submission = buildSubmission(applicationFromStorage(rec.application), rec.documents ?? [], deps.xaccountType(), settings.site);
      const outcome = await bss.submitRealname(submission.kind, submission.body as never);
      if (outcome.reconciled && outcome.isReview === undefined) {
        // The answer was lost and the client found a review result on record: ours, or one from
        // before? Only the comparison with the baseline can tell (state.ts, issue 12.5).
        event = { type: "bss_failed", failure: { kind: "ambiguous", code: "AMBIGUOUS", message: "the submit answer was lost; BSS shows a review result" } };
      } else {
        event = { type: "bss_accepted", isReview: outcome.isReview === 0 || outcome.isReview === 1 ? outcome.isReview : undefined };
      }
    } catch (err) {
      if (err instanceof SubmissionBuildError) {
        event = { type: "bss_failed", failure: { kind: "validation", code: "LOCAL.validation", message: err.message } };
      } else {
        event = { type: "bss_failed", failure: failureOf(err) };
      }
    }
    const t = transition(rec, event, "realname-submit");
    rec = await records.save(t.record);
    const failure = rec.status.failure;
    logger.info("realname: submitted", { applicationId, state: rec.status.state, ...(failure ? { code: failure.code, disposition: failure.disposition } : {}) });
    alertOperator(rec, t.followUps);
    if (t.followUps.includes("check_review_result")) await resolveReview(rec, "realname-submit");
  }

  // ---------------------------------------------------------------------------------------------
  // realname-status

  async function handleDue(work: WorkKind, rec: RealnameRecord): Promise<void> {
    const at = now().getTime();
    switch (work) {
      case "submit": {
        // Lease: push the due time first so an overlapping run does not queue it twice.
        const leased = await records.save({ ...rec, dueAt: at + settings.schedule.requeueSeconds * 1000 });
        await enqueueSubmit(leased);
        return;
      }
      case "recover": {
        if (rec.status.state !== "submitting") return;
        const t = transition(rec, { type: "bss_failed", failure: { kind: "ambiguous", code: "NO_ANSWER", message: "no answer was recorded for the submission" } }, "realname-status");
        const saved = await records.save(t.record);
        await resolveReview(saved, "realname-status");
        return;
      }
      case "review":
        if (rec.status.state === "under_review" || rec.status.state === "verifying") await resolveReview(rec, "realname-status");
        return;
      case "expire":
        if (rec.status.state === "awaiting_uploads") await records.save(transition(rec, { type: "uploads_expired" }, "realname-status").record);
        return;
      case "notify":
        await notify(rec, at);
        return;
      case "purge": {
        const bucket = await deps.bucket();
        const keys: string[] = [];
        for (const prefix of applicationKeyPrefixes(settings.keyPrefix, rec.id)) keys.push(...(await bucket.list(prefix)));
        await bucket.deleteMany(keys);
        const purged = transition(rec, { type: "documents_purged", objects: keys.length }, "realname-status").record;
        await records.save({ ...purged, expiresAt: Math.floor(at / 1000) + RECORD_TTL_AFTER_PURGE_SECONDS });
        logger.info("realname: documents purged", { applicationId: rec.id, objects: keys.length });
        return;
      }
    }
  }

  async function notify(rec0: RealnameRecord, at: number): Promise<void> {
    const state = rec0.status.state;
    if (!isFinalEventState(state) || rec0.notifiedAt !== undefined) return;
    // Lease against overlapping runs.
    let rec = await records.save({ ...rec0, dueAt: at + 60_000 });
    const data = finalEventData(rec, new Date(at));
    const envelope = FINAL_EVENT_MESSAGES[state].create(data, { id: `realname-${rec.id}-${state}` });
    await deps.publishEvent(envelope);
    let done = true;
    if (rec.callbackUrl) {
      const r = await deps.callback(rec.callbackUrl, { type: envelope.type, id: envelope.id, occurred_at: envelope.occurredAt, data });
      const attempts = (rec.notifyAttempts ?? 0) + 1;
      if (!r.ok) {
        logger.warn("realname: callback failed", { applicationId: rec.id, attempt: attempts, status: r.status, reason: r.reason });
        if (attempts < settings.callbackMaxAttempts) {
          rec = await records.save({ ...rec, notifyAttempts: attempts, dueAt: at + Math.min(3600, 2 ** attempts * 15) * 1000 });
          done = false;
        } else {
          logger.error("realname: gave up calling the portal back; the queue event was sent", { applicationId: rec.id, attempts });
        }
      }
      rec = { ...rec, notifyAttempts: attempts };
    }
    if (done) {
      const saved = await records.save(withSchedule({ ...rec, notifiedAt: new Date(at).toISOString() }, at));
      logger.info("realname: final state reported", { applicationId: rec.id, state, callback: rec.callbackUrl !== undefined });
      void saved;
    }
  }

  async function sweep(): Promise<Record<WorkKind, number>> {
    const counts: Record<WorkKind, number> = { recover: 0, review: 0, expire: 0, notify: 0, purge: 0, submit: 0 };
    for (const work of ["recover", "review", "expire", "notify", "purge", "submit"] as const) {
      const due = await records.due(work, now().getTime(), settings.sweepLimit);
      for (const candidate of due) {
        const rec = await records.get(candidate.id);
        // The index is eventually consistent: act only on what the record says now.
        if (!rec || rec.work !== work || (rec.dueAt ?? Infinity) > now().getTime()) continue;
        try {
          await handleDue(work, rec);
          counts[work]++;
        } catch (err) {
          if (err instanceof VersionConflictError) continue;
          logger.error("realname: status work failed", { applicationId: rec.id, work, error: (err as Error).name, code: isBssError(err) ? err.code : undefined });
        }
      }
    }
    return counts;
  }

  /** Writes the metrics counted during one operation, whatever its outcome. */
  const flushed =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } finally {
        deps.metrics?.flush();
      }
    };
  return {
    createApplication: flushed(createApplication),
    submitUploads: flushed(submitUploads),
    getApplication,
    processSubmit: flushed(processSubmit),
    sweep: flushed(sweep),
  };
}

export type RealnameService = ReturnType<typeof createRealnameService>;
export type { Application };

/**
 * SHA-256 (hex) of a string's UTF-8 bytes, fed in 64 Ki-character slices: hashing a multi-megabyte
 * inline-upload body in one update() makes a UTF-8 copy of all of it first.
 */
export function sha256OfText(text: string): string {
  const h = createHash("sha256");
  const step = 65_536;
  for (let i = 0; i < text.length; i += step) {
    let end = Math.min(text.length, i + step);
    // Never split a surrogate pair between two slices (each half alone would encode as U+FFFD):
    // a slice never ends on a high surrogate; it goes to the next slice with what follows it.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    h.update(text.slice(i, end), "utf8");
    i = end - step;
  }
  return h.digest("hex");
}
