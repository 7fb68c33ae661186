/**
 * The invoice-email intake of one inbound object, over three small ports (storage, ledger,
 * publisher) that the handler builds from shared/storage, shared/ledger and shared/queue. No SDK
 * here: tests pass the real adapters (against the emulators) or wrap them to inject failures.
 *
 * Order, for a message that must give exactly one event (invoice-notice or rejected):
 *
 *   1. HeadObject: gone → nothing to do; larger than the limit → plan a quarantine without download
 *   2. GetObject → parseInvoiceEmail → planIntake (keys, bodies, event; all deterministic)
 *   3. claim the ledger key (invoice-email#<noticeId>)
 *        done already       → duplicate: write this object's outcome record (duplicateOf), no event
 *        claimed by another → wait a little for it to finish; still not done → throw (retried later)
 *   4. quarantine copy, attachments, notice.json, reason.json (idempotent overwrites)
 *   5. publish the event (envelope id derived from noticeId), then the outcome record
 *   6. complete the ledger key with what was written (a duplicate's outcome names exactly that)
 *   any failure in 4–6 → release the claim and rethrow, so the platform's retry redoes 4–6.
 *
 * A crash (no release) leaves a claim that a later attempt takes over once it is older than
 * `staleAfterSeconds` (must exceed the function timeout). Writes are overwrites of the same bytes;
 * a re-publish after a crash between 5 and 6 carries the same envelope id, which a FIFO queue drops
 * within its 5-minute deduplication window and consumers deduplicate on anyway.
 */
import type { Bucket } from "../storage/index.ts";
import type { Ledger } from "../ledger/index.ts";
import type { Envelope } from "../queue/envelope.ts";
import type { Logger } from "../log/index.ts";
import type { EmailIntakeConfig } from "./config.ts";
import { parseInvoiceEmail } from "./intake.ts";
import { completionRecord, duplicateOutcome, outcomeBody, planIntake, type IntakeInput, type IntakePlan } from "./plan.ts";

export type IntakeStorage = Pick<Bucket, "name" | "head" | "get" | "put" | "copy">;
export type IntakeLedger = Pick<Ledger, "claim" | "complete" | "release" | "get">;
export interface IntakePublisher {
  publish(envelopes: readonly Envelope[]): Promise<unknown>;
}

export interface IntakePorts {
  storage: IntakeStorage;
  ledger: IntakeLedger;
  publisher: IntakePublisher;
  config: EmailIntakeConfig;
  logger?: Pick<Logger, "info" | "warn" | "error">;
  /** A claim older than this (never completed: crash) may be taken over. Default 90 s. */
  staleAfterSeconds?: number;
  /** How long to wait for a concurrent invocation holding the claim. Default 10 s. */
  waitForPeerMs?: number;
  pollEveryMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

export type IntakeStatus = "processed" | "duplicate" | "not-invoice" | "missing";

export interface IntakeReport {
  status: IntakeStatus;
  sourceKey: string;
  plan?: IntakePlan;
}

/** The message is being processed by another invocation right now (or one crashed recently). */
export class IntakeBusyError extends Error {
  override name = "IntakeBusyError";
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const JSON_TYPE = "application/json; charset=utf-8";

export async function processInboundObject(ports: IntakePorts, sourceKey: string): Promise<IntakeReport> {
  const { storage, ledger, publisher, config } = ports;
  const now = ports.now ?? (() => new Date());
  const log = ports.logger;

  const head = await storage.head(sourceKey);
  if (!head) {
    log?.warn("inbound object is gone; nothing to do", { sourceKey });
    return { status: "missing", sourceKey };
  }
  let input: IntakeInput;
  if (head.contentLength > config.maxMessageBytes) {
    input = { kind: "too-large", size: head.contentLength, limit: config.maxMessageBytes };
  } else {
    const obj = await storage.get(sourceKey);
    input = { kind: "parsed", result: await parseInvoiceEmail(obj.body, config) };
  }
  const plan = planIntake(input, { bucket: storage.name, sourceKey, now: now() });
  const summary = { sourceKey, noticeId: plan.noticeId, kind: plan.kind, reasons: plan.outcome.rejectReasons, findings: plan.outcome.findings.map((f) => f.code) };

  if (!plan.ledgerKey || !plan.event) {
    await storage.put(plan.outcomeKey, outcomeBody(plan.outcome), { contentType: JSON_TYPE });
    log?.info("inbound mail is not an invoicing notice; left in place", summary);
    return { status: "not-invoice", sourceKey, plan };
  }

  return carryOut(ports, plan, sourceKey, summary);
}

/**
 * The on-failure path (issue 11.4): every attempt of the function failed for this object (a
 * timeout, an out-of-memory exit…). Unless an attempt did finish (its outcome record exists), the
 * original is quarantined with reason `processing-failed` and `detail`, without reading it again,
 * and a rejected event is published — exactly once per object.
 */
export async function quarantineFailedObject(ports: IntakePorts, sourceKey: string, detail: string): Promise<IntakeReport> {
  const { storage } = ports;
  const now = ports.now ?? (() => new Date());
  const head = await storage.head(sourceKey);
  if (!head) {
    ports.logger?.warn("failed inbound object is gone; nothing to quarantine", { sourceKey });
    return { status: "missing", sourceKey };
  }
  const plan = planIntake({ kind: "failed", size: head.contentLength, detail }, { bucket: storage.name, sourceKey, now: now() });
  if (await storage.head(plan.outcomeKey)) {
    ports.logger?.info("failed inbound object has an outcome already; nothing to quarantine", { sourceKey });
    return { status: "duplicate", sourceKey };
  }
  const summary = { sourceKey, noticeId: plan.noticeId, kind: plan.kind, reasons: plan.outcome.rejectReasons, findings: plan.outcome.findings.map((f) => f.code) };
  return carryOut(ports, plan, sourceKey, summary);
}

/** Claim → writes → publish → outcome → complete, exactly once per ledger key (see the file comment). */
async function carryOut(ports: IntakePorts, plan: IntakePlan, sourceKey: string, summary: Record<string, unknown>): Promise<IntakeReport> {
  const { storage, ledger, publisher } = ports;
  const log = ports.logger;
  if (!plan.ledgerKey || !plan.event) throw new Error("carryOut: a plan without an event has nothing to do exactly once");
  const claim = await ledger.claim(plan.ledgerKey, { sourceKey, noticeId: plan.noticeId }, { staleAfterSeconds: ports.staleAfterSeconds ?? 90 });
  if (claim !== "new") {
    // Only a completed record counts: a claim that is not complete ("busy") throws (retried) until it
    // is completed or stale (issue 11.1 audit).
    const first = await waitUntilDone(ports, plan.ledgerKey);
    const done = { ...(first.attrs ?? {}), ...(first.result ?? {}) };
    const firstKey = typeof done["sourceKey"] === "string" ? done["sourceKey"] : undefined;
    if (firstKey !== sourceKey) {
      await storage.put(plan.outcomeKey, outcomeBody(duplicateOutcome(plan, done)), { contentType: JSON_TYPE });
    }
    log?.info("invoice mail already processed; no second notice or event", { ...summary, duplicateOf: firstKey });
    return { status: "duplicate", sourceKey, plan };
  }

  try {
    if (plan.copy) await storage.copy(plan.copy.from, plan.copy.to, { contentType: plan.copy.contentType });
    for (const o of plan.puts) await storage.put(o.key, o.body, { contentType: o.contentType });
    await publisher.publish([plan.event]);
    // after the publish: the outcome record never names an event that was not sent
    await storage.put(plan.outcomeKey, outcomeBody(plan.outcome), { contentType: JSON_TYPE });
    await ledger.complete(plan.ledgerKey, completionRecord(plan, sourceKey));
  } catch (err) {
    try {
      await ledger.release(plan.ledgerKey);
    } catch (releaseErr) {
      log?.error("could not release the intake claim; a retry takes over once it is stale", { ...summary, error: (releaseErr as Error).message });
    }
    throw err;
  }
  log?.info(plan.kind === "invoice-notice" ? "invoice notice stored and announced" : "invoice mail rejected and announced", {
    ...summary,
    eventId: plan.event.id,
    attachments: plan.outcome.attachmentKeys.length,
    quarantined: plan.copy !== null,
  });
  return { status: "processed", sourceKey, plan };
}

async function waitUntilDone(ports: IntakePorts, key: string) {
  const sleep = ports.sleep ?? defaultSleep;
  const deadline = Date.now() + (ports.waitForPeerMs ?? 10_000);
  for (;;) {
    const rec = await ports.ledger.get(key);
    if (rec?.status === "done") return rec;
    if (rec === undefined) {
      // Released by a failed peer between our claim and now: let the retry claim it.
      throw new IntakeBusyError(`intake of ${key} was released by a failed attempt; retry`);
    }
    if (Date.now() >= deadline) throw new IntakeBusyError(`intake of ${key} is still in progress elsewhere; retry later`);
    await sleep(ports.pollEveryMs ?? 250);
  }
}
