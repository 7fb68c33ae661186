/**
 * The real-name service (shared/realname-io/service.ts) against the BSS sandbox through the real BSS
 * client, with in-memory records and bucket: how BSS answers end (or continue) an application.
 *
 * - Issue 11.3: a customer that is not the partner's sub-customer (CBC.99000035) used to throw on the
 *   review-result read before submitting, leaving the record `validated` and re-queued forever. Every
 *   non-retryable answer now ends the application with its reason, and the callback and event fire.
 * - Issue 12.5: after a lost submit answer, a review result that was already on record (an earlier
 *   application) is not taken as ours.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMetrics, summariseEmf } from "../../../shared/metrics/index.ts";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { createBssClient, type BssClient } from "../../../shared/bss/index.ts";
import { createLogger } from "../../../shared/log/index.ts";
import type { Envelope } from "../../../shared/queue/envelope.ts";
import { realnameSettings } from "../../../shared/realname-io/config.ts";
import type { PartnerBucket } from "../../../shared/realname-io/documents.ts";
import { VersionConflictError, type RecordStore, type RequestMarker } from "../../../shared/realname-io/records.ts";
import { createRealnameService } from "../../../shared/realname-io/service.ts";
import type { RealnameRecord } from "../../../shared/realname/record.ts";
import { jpeg, residentId, uscc } from "../../e2e/helpers/realname-files.ts";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ seed: 4242, customers: 30, resourcesPerCustomer: 1, ratePerSecond: 100 });
});
const tempDirs: string[] = [];
afterAll(async () => {
  await sandbox?.close();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

function memoryRecords(): RecordStore & { all: Map<string, RealnameRecord> } {
  const all = new Map<string, RealnameRecord>();
  const markers = new Map<string, RequestMarker>();
  const copy = <T>(x: T): T => structuredClone(x);
  return {
    all,
    async get(id) {
      const r = all.get(id);
      return r ? copy(r) : undefined;
    },
    async create(record) {
      if (all.has(record.id)) return false;
      all.set(record.id, copy(record));
      return true;
    },
    async save(record) {
      const stored = all.get(record.id);
      if (!stored || stored.version !== record.version) throw new VersionConflictError(record.id);
      const next = { ...copy(record), version: record.version + 1 };
      all.set(record.id, next);
      return copy(next);
    },
    async claimSignature() {
      return true;
    },
    async claimRequest(requestId, marker) {
      const existing = markers.get(requestId);
      if (existing) return { claimed: false, existing };
      markers.set(requestId, marker);
      return { claimed: true };
    },
    async releaseRequest(requestId) {
      markers.delete(requestId);
    },
    async due(work, now, limit) {
      return [...all.values()].filter((r) => r.work === work && (r.dueAt ?? Infinity) <= now).slice(0, limit).map(copy);
    },
  };
}

function memoryBucket(): PartnerBucket {
  const objects = new Map<string, Uint8Array>();
  return {
    name: "memory",
    async put(key, body) {
      objects.set(key, body);
      return { etag: undefined };
    },
    async presignPut(key) {
      return `http://127.0.0.1:9/${key}`;
    },
    async peek() {
      return undefined;
    },
    async publish() {
      return { etag: undefined };
    },
    async list(prefix) {
      return [...objects.keys()].filter((k) => k.startsWith(prefix));
    },
    async deleteMany(keys) {
      for (const k of keys) objects.delete(k);
    },
  };
}

/** Lets a test replace the answer to the real-name submit itself (the reads go to the sandbox). */
type SubmitFault = ((url: string, init: RequestInit | undefined) => Response | undefined) | undefined;

function harness(fault: SubmitFault = undefined) {
  const records = memoryRecords();
  const metricsDir = mkdtempSync(join(tmpdir(), "po-realname-metrics-"));
  tempDirs.push(metricsDir);
  const metricsFile = join(metricsDir, "metrics.jsonl");
  const events: Envelope[] = [];
  const callbacks: { url: string; payload: any }[] = [];
  const queued: string[] = [];
  let clock = Date.now();
  const client: BssClient = createBssClient({
    endpoint: sandbox.url,
    iamEndpoint: sandbox.url,
    credentials: sandbox.credentials,
    agencyName: sandbox.xaccountType,
    retry: { baseMs: 1, capMs: 5 },
    rate: 100,
    timeoutMs: 2000,
    fetch: async (url, init) => fault?.(url, init) ?? fetch(url, init),
  });
  const svc = createRealnameService({
    settings: realnameSettings({ REALNAME_TABLE: "realname-test", PARTNER_OPS_ENGINE: "1" }),
    records,
    bucket: async () => memoryBucket(),
    bss: async () => client,
    xaccountType: () => sandbox.xaccountType,
    publishSubmit: async (id) => {
      queued.push(id);
    },
    publishEvent: async (e) => {
      events.push(e);
    },
    callback: async (url, payload) => {
      callbacks.push({ url, payload });
      return { ok: true, status: 200 } as never;
    },
    logger: createLogger({ level: "SILENT" }),
    metrics: createMetrics({ file: metricsFile }),
    now: () => new Date(clock),
  });
  const applications = () =>
    Object.fromEntries(summariseEmf(existsSync(metricsFile) ? readFileSync(metricsFile, "utf8").split("\n") : []).filter((t) => t.name === "Applications").map((t) => [t.dimensions["state"], t.value]));
  return { svc, records, events, callbacks, queued, applications, advance: (ms: number) => (clock += ms) };
}

let seq = 0;
function enterprise(customerId: string): string {
  seq++;
  return JSON.stringify({
    type: "enterprise",
    customer_id: customerId,
    certificate_type: 0,
    corp_name: "示例科技有限公司",
    verified_number: uscc("91350100M000100Y4"),
    reg_country: "CN",
    enterprise_person: { legel_name: "张三", legel_id_number: residentId("11010519491231002") },
    callback_url: "http://127.0.0.1:9/portal",
    attachments: {
      mode: "inline",
      files: [
        { role: "company_certificate", content_base64: jpeg(3000, `c${seq}`).toString("base64") },
        { role: "legal_person_id_portrait", content_base64: jpeg(3000, `f${seq}`).toString("base64") },
        { role: "legal_person_id_emblem", content_base64: jpeg(3000, `b${seq}`).toString("base64") },
      ],
    },
  });
}

const unverified = (() => {
  const used = new Set<string>();
  return (): string => {
    const c = sandbox.data.customers.find((x) => (x.info.verified_status === "-1" || x.info.verified_status === "1") && !used.has(x.info.customer_id));
    if (!c) throw new Error("no unverified sandbox customer left");
    used.add(c.info.customer_id);
    return c.info.customer_id;
  };
})();

async function create(h: ReturnType<typeof harness>, customerId: string): Promise<string> {
  const r = await h.svc.createApplication(enterprise(customerId), undefined);
  expect(r.statusCode, JSON.stringify(r.body)).toBe(201);
  return String(r.body["id"]);
}

describe("issue 11.3: non-retryable BSS answers end the application", () => {
  it("a customer that is not the partner's sub-customer ends `failed` (CBC.99000035); callback and event fire once; nothing is re-queued", async () => {
    const h = harness();
    const id = await create(h, "not-our-customer-0001");
    await h.svc.processSubmit(id);
    const rec = h.records.all.get(id)!;
    expect(rec.status.state).toBe("failed");
    expect(rec.status.failure).toMatchObject({ code: "CBC.99000035", disposition: "failed" });
    expect(rec.work).toBe("notify");

    await h.svc.sweep();
    expect(h.events.map((e) => e.type)).toEqual(["realname.application.failed"]);
    expect(h.events[0]!.data).toMatchObject({ application_id: id, status: "failed", failure_code: "CBC.99000035", failure_message: expect.stringContaining("not one of the partner's customers") });
    expect(h.callbacks).toHaveLength(1);
    expect(h.callbacks[0]!.payload).toMatchObject({ type: "realname.application.failed", data: { status: "failed", failure_code: "CBC.99000035" } });

    // Later sweeps (each past a requeue interval) neither submit nor report again.
    const queuedBefore = h.queued.length;
    for (let i = 0; i < 3; i++) {
      h.advance(10 * 60_000);
      await h.svc.sweep();
    }
    expect(h.queued.length).toBe(queuedBefore);
    expect(h.events).toHaveLength(1);
    expect(h.records.all.get(id)!.status.state).toBe("failed");
    // Applications by state (issue 16.2): created validated, then failed — counted once each.
    expect(h.applications()).toEqual({ validated: 1, failed: 1 });
  });

  it("a configuration refusal (CBC.99005030) ends `failed_config`, reported as failed with the operator action", async () => {
    const h = harness();
    const id = await create(h, unverified());
    sandbox.control.setRealnameBucketConfigured(false);
    try {
      await h.svc.processSubmit(id);
    } finally {
      sandbox.control.setRealnameBucketConfigured(true);
    }
    expect(h.records.all.get(id)!.status.state).toBe("failed_config");
    await h.svc.sweep();
    expect(h.events.map((e) => e.type)).toEqual(["realname.application.failed"]);
    expect(h.events[0]!.data).toMatchObject({ status: "failed", failure_code: "CBC.99005030", operator_action: expect.stringContaining("实名认证附件上传") });
    expect(h.callbacks).toHaveLength(1);
  });
});

describe("issue 12.5: a review result on record is ours only with evidence", () => {
  /** The submit request is answered 502 without reaching the sandbox: nothing is recorded, the answer is ambiguous. */
  const lostSubmit: SubmitFault = (url, init) => (/\/v2\/customers\/realname-auths\/(enterprise|individual)/.test(url) && init?.method !== "GET" ? new Response('{"error_code":"CBC.0999","error_msg":"gateway"}', { status: 502 }) : undefined);

  it("an earlier application under review (console) + a lost submit → needs_operator (not under_review), callback and event say so", async () => {
    const h = harness(lostSubmit);
    const customer = unverified();
    sandbox.control.seedEarlierReview(customer, { result: "pending" });
    const id = await create(h, customer);
    await h.svc.processSubmit(id);
    const rec = h.records.all.get(id)!;
    expect(rec.status.state).toBe("needs_operator");
    expect(rec.status.failure?.code).toBe("LOCAL.UNVERIFIABLE");
    await h.svc.sweep();
    expect(h.events.map((e) => e.type)).toEqual(["realname.application.needs-operator"]);
    expect(h.callbacks[0]!.payload.data).toMatchObject({ status: "needs_operator", operator_action: expect.stringContaining("Partner Center") });
  });

  it("an earlier approval of the customer + a lost submit is never reported approved", async () => {
    const h = harness(lostSubmit);
    const customer = unverified();
    sandbox.control.seedEarlierReview(customer, { result: "approved", kind: "enterprise" });
    const id = await create(h, customer);
    await h.svc.processSubmit(id);
    expect(h.records.all.get(id)!.status.state).toBe("needs_operator");
  });

  it("an earlier rejection + a lost submit → resubmitted (the same rejection shows nothing arrived), then approved for real", async () => {
    let lose = true;
    const h = harness((url, init) => (lose ? lostSubmit(url, init) : undefined));
    const customer = unverified();
    sandbox.control.seedEarlierReview(customer, { result: "rejected", opinion: "营业执照模糊" });
    const id = await create(h, customer);
    await h.svc.processSubmit(id);
    expect(h.records.all.get(id)!.status.state).toBe("validated");
    lose = false;
    await h.svc.processSubmit(id);
    expect(h.records.all.get(id)!.status.state).toBe("under_review");
    expect(sandbox.data.realname.get(customer)?.request["origin"]).toBeUndefined(); // ours replaced the console one
  });

  it("a lost answer whose submission did arrive (review result appeared since the baseline) → under_review", async () => {
    // The sandbox records the submission, then the answer is replaced by a 502.
    const h = harness();
    const customer = unverified();
    const id = await create(h, customer);
    sandbox.control.setFaults({ ambiguousRate: 1 });
    try {
      await h.svc.processSubmit(id);
    } finally {
      sandbox.control.setFaults({});
    }
    expect(h.records.all.get(id)!.status.state).toBe("under_review");
  });
});
