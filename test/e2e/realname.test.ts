/**
 * Real-name applications end to end: the engine (in memory) runs serverless.yml's realname-api,
 * realname-submit and realname-status against the BSS sandbox and the local OBS bucket. A portal
 * stub receives the signed callbacks. The log scan (personal data, secrets, file contents) is in
 * log-scan.test.ts, which runs these flows together with the other end-to-end flows.
 *
 * realname-intl.test.ts runs the flows that reach BSS again against the international-site sandbox
 * (PARTNER_OPS_E2E_SITE=intl); the site-independent checks (signatures, malformed bodies, 422s) run once.
 */
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ReceiveMessageCommand as SqsReceive } from "@aws-sdk/client-sqs";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { signWebhook, verifyWebhookSignature } from "../../shared/signing/index.ts";
import { waitFor } from "./helpers/fixture.ts";
import { callbackPortal, customerPicker, html, jpeg, obsAttachmentProbe, pdf, png, residentId, uscc, zip, type CallbackPortal } from "./helpers/realname-files.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const SECRET = "whsec_realname_e2e_0123456789abcdef";
const OLD_SECRET = "whsec_realname_e2e_previous_secret";
const BUCKET = "partner-realname-attachments";
const SITE: "cn" | "intl" = process.env["PARTNER_OPS_E2E_SITE"] === "intl" ? "intl" : "cn";
/** Checks that never reach BSS: run on the China-site pass only. */
const siteIndependent = SITE === "intl";

// --- test data ----------------------------------------------------------------------------------
const CREDIT_CODE = uscc("91350100M000100Y4");
const LEGAL_ID = residentId("11010519491231002");
const CORP = "厦门测试科技有限公司";
const LEGAL_NAME = "王秘密";
const PERSON_NAME = "Zhang Secretperson";
const PASSPORT = "E12345678";

// --- harness -------------------------------------------------------------------------------------
let sb: Sandbox;
let engine: Engine;
let api: string;
let portal: CallbackPortal;
let portalUrl: string;
let callbacks: CallbackPortal["callbacks"];
let freshCustomer: () => string;

async function call(method: string, path: string, body?: unknown, opts: { sign?: "ok" | "none" | "old" | "tampered" | "replayed"; requestId?: string } = {}) {
  const text = body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const sign = opts.sign ?? "ok";
  const request = { method, path };
  if (sign === "ok") headers["x-partner-ops-signature"] = signWebhook(text, SECRET, { request });
  if (sign === "old") headers["x-partner-ops-signature"] = signWebhook(text, OLD_SECRET, { request });
  if (sign === "tampered") headers["x-partner-ops-signature"] = signWebhook(text ? text.replace(/.$/, " ") : "x", SECRET, { request });
  if (sign === "replayed") headers["x-partner-ops-signature"] = signWebhook(text, SECRET, { request, timestamp: Math.floor(Date.now() / 1000) - 301 });
  if (opts.requestId) headers["x-request-id"] = opts.requestId;
  const res = await fetch(api + path, { method, headers, ...(method === "GET" ? {} : { body: text }) });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

async function getObject(key: string): Promise<Buffer | undefined> {
  try {
    const r = await engine.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return Buffer.from(await r.Body!.transformToByteArray());
  } catch {
    return undefined;
  }
}
async function listKeys(prefix: string): Promise<string[]> {
  const r = await engine.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (r.Contents ?? []).map((o) => o.Key!).sort();
}
async function waitState(id: string, states: string[], timeoutMs = 20_000): Promise<Record<string, any>> {
  return waitFor(`application ${id} in ${states.join("|")}`, async () => {
    const r = await call("GET", `/realname/applications/${id}`);
    return states.includes(r.body["status"]) ? r.body : undefined;
  }, timeoutMs, 100);
}

function enterpriseBody(customerId: string, files: { role: string; content: Buffer; content_type?: string; file_name?: string }[]) {
  return {
    type: "enterprise",
    customer_id: customerId,
    certificate_type: 0,
    corp_name: CORP,
    verified_number: CREDIT_CODE,
    reg_country: "CN",
    enterprise_person: { legel_name: LEGAL_NAME, legel_id_number: LEGAL_ID },
    callback_url: portalUrl,
    attachments: { mode: "inline", files: files.map((f) => ({ role: f.role, content_base64: f.content.toString("base64"), ...(f.content_type ? { content_type: f.content_type } : {}), ...(f.file_name ? { file_name: f.file_name } : {}) })) },
  };
}
/** The passport's documents on SITE (bss-contract: 3 files on the China site, 2 on the international site). */
const PASSPORT_ROLES: readonly string[] =
  SITE === "intl" ? ["passport_bio_page", "passport_handheld_bio_page"] : ["passport_bio_page", "passport_entry_stamp_page", "passport_handheld_bio_page"];

function passportUploadBody(customerId: string, sizes: readonly number[]) {
  const extra: Record<string, Record<string, string>> = { passport_bio_page: { content_type: "image/jpeg" }, passport_handheld_bio_page: { file_name: "hand.pdf" } };
  return {
    type: "individual",
    customer_id: customerId,
    identify_type: 0,
    verified_type: 3,
    name: PERSON_NAME,
    verified_number: PASSPORT,
    callback_url: portalUrl,
    attachments: {
      mode: "upload",
      files: PASSPORT_ROLES.map((role, i) => ({ role, size: sizes[i]!, ...(extra[role] ?? {}) })),
    },
  };
}

beforeAll(async () => {
  portal = await callbackPortal();
  portalUrl = portal.url;
  callbacks = portal.callbacks;

  let s3: Engine["clients"]["s3"] | undefined;
  sb = await startSandbox({
    seed: 6,
    customers: 40,
    site: SITE,
    attachmentExists: obsAttachmentProbe(() => s3, BUCKET),
  });
  engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile,
    stage: "test",
    rateScale: 0.005, // realname-status every 300 ms
    sandbox: "off",
    logLevel: "DEBUG",
    env: { ...sandboxEnv(sb), WEBHOOK_SECRET: `${SECRET},${OLD_SECRET}` },
    params: { realnamePollSeconds: "0", realnameRetentionSeconds: "3", realnameRequeueSeconds: "30" },
  });
  s3 = engine.clients.s3;
  api = engine.urls.http!;
  freshCustomer = customerPicker(sb);
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await sb?.close();
  await portal?.close();
});

describe.skipIf(siteIndependent)("realname: signatures", () => {
  it("refuses unsigned, tampered, replayed (> 300 s) and unknown-secret requests with 401", async () => {
    const body = enterpriseBody("CUST-NOT-USED", [{ role: "company_certificate", content: jpeg(3000, "sig") }]);
    for (const sign of ["none", "tampered", "replayed"] as const) {
      const r = await call("POST", "/realname/applications", body, { sign });
      expect(r.status, sign).toBe(401);
      expect(r.body["error"]).toBe("unauthorized");
    }
    expect((await call("GET", "/realname/applications/0190f5c4-0000-7000-8000-000000000000", undefined, { sign: "none" })).status).toBe(401);
    expect((await call("POST", "/realname/applications/0190f5c4-0000-7000-8000-000000000000/submit", "", { sign: "replayed" })).status).toBe(401);
    // v2 signs method + path + body: a valid signature for one application's GET is refused on
    // another application's path (and on the same path with another method).
    const idA = "0190f5c4-0000-7000-8000-00000000000a";
    const idB = "0190f5c4-0000-7000-8000-00000000000b";
    const sigForA = signWebhook("", SECRET, { request: { method: "GET", path: `/realname/applications/${idA}` } });
    const withSig = (method: string, path: string) => fetch(api + path, { method, headers: { "x-partner-ops-signature": sigForA } });
    expect((await withSig("GET", `/realname/applications/${idB}`)).status).toBe(401);
    expect((await withSig("POST", `/realname/applications/${idA}/submit`)).status).toBe(401);
    expect((await withSig("GET", `/realname/applications/${idA}`)).status).toBe(404); // signature accepted; no such application
    expect((await withSig("GET", `/realname/applications/${idA}`)).status).toBe(401); // the same signature again: a replay
    // The previous secret (rotation) is still accepted: the body then fails validation, not the signature.
    expect((await call("POST", "/realname/applications", { type: "nope" }, { sign: "old" })).status).toBe(400);
  });
});

describe.skipIf(siteIndependent)("realname: malformed bodies", () => {
  it("answers 400 naming each bad field", async () => {
    const bad = {
      type: "enterprise",
      customer_id: "bad id!",
      certificate_type: 0,
      corp_name: "12345",
      verified_number: CREDIT_CODE.slice(0, 17) + (CREDIT_CODE.endsWith("0") ? "1" : "0"),
      legal_name: "x",
      enterprise_person: { legel_name: LEGAL_NAME, legel_id_number: LEGAL_ID.slice(0, 17) + (LEGAL_ID.endsWith("1") ? "2" : "1") },
      attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64: "not base64!" }] },
    };
    const r = await call("POST", "/realname/applications", bad);
    expect(r.status).toBe(400);
    const fields = (r.body["errors"] as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(
      expect.arrayContaining(["customer_id", "corp_name", "verified_number", "legal_name", "enterprise_person.legel_id_number", "attachments.files[0].content_base64"]),
    );
    const notJson = await call("POST", "/realname/applications", "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body["errors"][0].field).toBe("(body)");
  });
});

describe("realname: inline application", () => {
  it("stores the files under download/ in BSS order, submits the relative paths, reaches approved, calls back, publishes, purges", async () => {
    const customer = freshCustomer();
    const files = [
      { role: "legal_person_id_emblem", content: png(5000, "emblem") },
      { role: "company_certificate", content: pdf(4000, "licence"), content_type: "application/pdf", file_name: "licence.pdf" },
      { role: "legal_person_id_portrait", content: jpeg(6000, "portrait"), file_name: "id.jpg" },
    ];
    const created = await call("POST", "/realname/applications", enterpriseBody(customer, files), { requestId: "portal-req-inline-1" });
    expect(created.status).toBe(201);
    const id = created.body["id"] as string;
    expect(created.body["status"]).toBe("validated");

    // Idempotent creation: same request id + same body → the same application; another body → 409.
    const again = await call("POST", "/realname/applications", enterpriseBody(customer, files), { requestId: "portal-req-inline-1" });
    expect(again.status).toBe(200);
    expect(again.body["id"]).toBe(id);
    const other = await call("POST", "/realname/applications", enterpriseBody(customer, files.slice().reverse()), { requestId: "portal-req-inline-1" });
    expect(other.status).toBe(409);

    const expectedPaths = [`partner-ops/${id}/01-company_certificate.pdf`, `partner-ops/${id}/02-legal_person_id_portrait.jpg`, `partner-ops/${id}/03-legal_person_id_emblem.png`];
    expect(await listKeys(`download/partner-ops/${id}/`)).toEqual(expectedPaths.map((p) => `download/${p}`));
    expect((await getObject(`download/${expectedPaths[0]}`))?.equals(files[1]!.content)).toBe(true);
    expect((await getObject(`download/${expectedPaths[1]}`))?.equals(files[2]!.content)).toBe(true);
    expect((await getObject(`download/${expectedPaths[2]}`))?.equals(files[0]!.content)).toBe(true);

    const final = await waitState(id, ["approved", "rejected", "failed", "failed_config"]);
    expect(final["status"]).toBe("approved");
    const bssRequest = sb.data.realname.get(customer)!.request;
    expect(bssRequest["verified_file_url"]).toEqual(expectedPaths);
    expect(bssRequest["legel_name"] ?? (bssRequest["enterprise_person"] as Record<string, unknown>)["legel_name"]).toBe(LEGAL_NAME);
    expect(bssRequest["verified_number"]).toBe(CREDIT_CODE);
    expect(sb.data.realname.get(customer)!.kind).toBe("enterprise");

    const history = (final["history"] as { event: string; to: string }[]).map((h) => `${h.event}>${h.to}`);
    expect(history).toEqual(["created>validated", "submit_started>submitting", "bss_accepted>under_review", ...history.slice(3)]);
    expect(history.at(-1)).toBe("review_result>approved");
    const historyText = JSON.stringify(final["history"]);
    for (const s of [CREDIT_CODE, LEGAL_ID, LEGAL_NAME, CORP]) expect(historyText).not.toContain(s);

    // Signed callback + queue event.
    const cb = await waitFor("approved callback", () => callbacks.find((c) => c.body.includes(id)));
    expect(verifyWebhookSignature(cb.body, cb.signature, { secrets: [SECRET] }).ok).toBe(true);
    expect(JSON.parse(cb.body)).toMatchObject({ type: "realname.application.approved", data: { application_id: id, customer_id: customer, status: "approved" } });
    const queueUrl = engine.queues.find((q) => q.logicalId === "RealnameEventsQueue")!.url;
    const event = await waitFor("approved event", async () => {
      const r = await engine.clients.sqs.send(new SqsReceive({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
      return (r.Messages ?? []).map((m) => JSON.parse(m.Body!)).find((e) => e.data?.application_id === id);
    });
    expect(event.type).toBe("realname.application.approved");

    // Retention (3 s in this test) → documents purged.
    const purged = await waitFor("documents purged", async () => {
      const r = await call("GET", `/realname/applications/${id}`);
      return r.body["documents_purged"] === true ? r.body : undefined;
    }, 20_000, 200);
    expect(await listKeys(`download/partner-ops/${id}/`)).toEqual([]);
    expect((purged["history"] as { event: string }[]).at(-1)!.event).toBe("documents_purged");
  });

  it.skipIf(siteIndependent)("answers 422 for a wrong type, a disguised file (HTML named .jpg) and an oversize inline total", async () => {
    const customer = freshCustomer();
    const body = enterpriseBody(customer, [
      { role: "company_certificate", content: zip("zip") },
      { role: "legal_person_id_portrait", content: html("html"), content_type: "image/jpeg", file_name: "photo.jpg" },
      { role: "legal_person_id_emblem", content: jpeg(3000, "ok") },
    ]);
    const r = await call("POST", "/realname/applications", body);
    expect(r.status).toBe(422);
    expect((r.body["errors"] as { field: string }[]).map((e) => e.field)).toEqual(["attachments.files[0].content_base64", "attachments.files[1].content_base64"]);
    expect(JSON.stringify(r.body)).toMatch(/HTML/);

    const big = enterpriseBody(customer, [{ role: "company_certificate", content: jpeg(4 * 1024 * 1024 + 10, "big") }]);
    delete (big as Record<string, unknown>)["enterprise_person"];
    const r2 = await call("POST", "/realname/applications", big);
    expect(r2.status).toBe(422);
    expect(r2.body["errors"][0].field).toBe("attachments.files");
    expect(sb.data.realname.has(customer)).toBe(false);
  });
});

describe("realname: presigned uploads", () => {
  async function put(url: string, bytes: Buffer): Promise<number> {
    return (await fetch(url, { method: "PUT", body: bytes })).status;
  }

  // On both sites (HWC_SITE follows the sandbox's site): a passport takes 3 files on cn, 2 on intl.
  it("uploads through presigned URLs, checks the bytes at submit, moves them to download/ and reaches approved", async () => {
    const customer = freshCustomer();
    const byRole: Record<string, { bytes: Buffer; ext: string }> = {
      passport_bio_page: { bytes: jpeg(200_000, "bio"), ext: "jpg" },
      passport_entry_stamp_page: { bytes: png(150_000, "stamp"), ext: "png" },
      passport_handheld_bio_page: { bytes: pdf(120_000, "hand"), ext: "pdf" },
    };
    const files = PASSPORT_ROLES.map((r) => byRole[r]!.bytes);
    const created = await call("POST", "/realname/applications", passportUploadBody(customer, files.map((f) => f.length)));
    expect(created.status).toBe(201);
    const id = created.body["id"] as string;
    const uploads = created.body["uploads"] as { role: string; url: string; position: number; expires_at: string }[];
    expect(uploads.map((u) => u.role)).toEqual(PASSPORT_ROLES);
    expect(Date.parse(uploads[0]!.expires_at) - Date.now()).toBeLessThanOrEqual(300_000);
    expect(new URL(uploads[0]!.url).searchParams.get("X-Amz-Expires")).toBe("300");

    // Submitting before the uploads: 409 naming what is missing.
    const early = await call("POST", `/realname/applications/${id}/submit`, "");
    expect(early.status).toBe(409);
    expect(early.body["errors"]).toHaveLength(PASSPORT_ROLES.length);

    for (const [i, u] of uploads.entries()) expect(await put(u.url, files[i]!)).toBe(200);
    const submitted = await call("POST", `/realname/applications/${id}/submit`, "");
    expect(submitted.status).toBe(202);

    const paths = PASSPORT_ROLES.map((r, i) => `partner-ops/${id}/0${i + 1}-${r}.${byRole[r]!.ext}`);
    expect(await listKeys(`download/partner-ops/${id}/`)).toEqual(paths.map((p) => `download/${p}`));
    for (const [i, p] of paths.entries()) expect((await getObject(`download/${p}`))?.equals(files[i]!)).toBe(true);
    expect(await listKeys(`incoming/partner-ops/${id}/`)).toEqual([]);

    const final = await waitState(id, ["approved", "rejected", "failed", "failed_config"]);
    expect(final["status"]).toBe("approved");
    const req = sb.data.realname.get(customer)!.request;
    expect(req["verified_file_url"]).toEqual(paths);
    expect(req["verified_type"]).toBe(3);
    // Submitting again changes nothing.
    expect((await call("POST", `/realname/applications/${id}/submit`, "")).status).toBe(200);
  });

  // The international site has no bank-card scheme: refused before anything is stored or sent.
  it.skipIf(SITE !== "intl")("refuses a bank-card application (identify_type 4) on the international site with a 400 on identify_type", async () => {
    const customer = freshCustomer();
    const r = await call("POST", "/realname/applications", {
      type: "individual",
      customer_id: customer,
      identify_type: 4,
      name: PERSON_NAME,
      verified_number: residentId("11010519491231002"),
      bank_card_info: { bank_account: "6222020012345678901", areacode: "0086", mobile: "13800138000", verification_code: "123456" },
      attachments: { mode: "inline", files: [{ role: "face_photo", content_base64: jpeg(2000, "face").toString("base64") }] },
    });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: "validation_failed", errors: [{ field: "identify_type", message: expect.stringMatching(/bank-card/) }] });
    expect(sb.data.realname.has(customer)).toBe(false);
  });

  it.skipIf(siteIndependent)("answers 422 for a disguised, a wrong-type and an oversize upload, and offers fresh URLs for them", async () => {
    const customer = freshCustomer();
    const oversize = pdf(10_000_500, "huge");
    const created = await call("POST", "/realname/applications", passportUploadBody(customer, [3000, 3000, 9_999_999]));
    expect(created.status).toBe(201);
    const id = created.body["id"] as string;
    const uploads = created.body["uploads"] as { role: string; url: string }[];
    expect(await put(uploads[0]!.url, html("upload-html"))).toBe(200);
    expect(await put(uploads[1]!.url, zip("upload-zip"))).toBe(200);
    expect(await put(uploads[2]!.url, oversize)).toBe(200);
    const r = await call("POST", `/realname/applications/${id}/submit`, "");
    expect(r.status).toBe(422);
    const errors = r.body["errors"] as { field: string; message: string }[];
    expect(errors.map((e) => e.field)).toEqual(["uploads.passport_bio_page", "uploads.passport_entry_stamp_page", "uploads.passport_handheld_bio_page"]);
    expect(errors[0]!.message).toMatch(/HTML/);
    expect(errors[2]!.message).toMatch(/limit/);
    expect((r.body["uploads"] as unknown[]).length).toBe(3);
    expect(await listKeys(`download/partner-ops/${id}/`)).toEqual([]);
    const view = await call("GET", `/realname/applications/${id}`);
    expect(view.body["status"]).toBe("awaiting_uploads");
    expect((view.body["history"] as { event: string }[]).filter((h) => h.event === "upload_rejected")).toHaveLength(3);
    expect(sb.data.realname.has(customer)).toBe(false);
  });
});

describe("realname: rejected review", () => {
  it("reaches rejected with the reviewer's opinion, in the view, the callback and the event", async () => {
    const customer = freshCustomer();
    const opinion = "营业执照照片模糊，请重新上传。";
    sb.control.setReviewOutcome(customer, { result: "rejected", opinion, afterPolls: 1 });
    const body = enterpriseBody(customer, [{ role: "company_certificate", content: jpeg(4000, "rej") }]);
    delete (body as Record<string, unknown>)["enterprise_person"];
    const created = await call("POST", "/realname/applications", body);
    expect(created.status).toBe(201);
    const id = created.body["id"] as string;
    const final = await waitState(id, ["approved", "rejected", "failed", "failed_config"]);
    expect(final["status"]).toBe("rejected");
    expect(final["opinion"]).toBe(opinion);
    expect(sb.data.realname.get(customer)!.request["verified_file_url"]).toEqual([`partner-ops/${id}/01-company_certificate.jpg`]);
    const cb = await waitFor("rejected callback", () => callbacks.find((c) => c.body.includes(id)));
    expect(JSON.parse(cb.body)).toMatchObject({ type: "realname.application.rejected", data: { status: "rejected", opinion } });
  });

  it("maps CBC.99005030 (bucket not configured) to failed_config with an operator action", async () => {
    const customer = freshCustomer();
    sb.control.setRealnameBucketConfigured(false);
    try {
      const body = enterpriseBody(customer, [{ role: "company_certificate", content: jpeg(4000, "cfg") }]);
      delete (body as Record<string, unknown>)["enterprise_person"];
      const id = (await call("POST", "/realname/applications", body)).body["id"] as string;
      const final = await waitState(id, ["failed_config", "approved", "failed"]);
      expect(final["status"]).toBe("failed_config");
      expect(final["failure"]).toMatchObject({ code: "CBC.99005030", disposition: "failed_config" });
      expect(final["failure"]["operator_action"]).toMatch(/实名认证附件上传/);
    } finally {
      sb.control.setRealnameBucketConfigured(true);
    }
  });
});

describe("realname: sample events", () => {
  const load = (f: string) => JSON.parse(readFileSync(resolve(import.meta.dirname, "../../events", f), "utf8")) as Record<string, any>;
  const signed = (event: Record<string, any>, body: string | undefined) => ({
    ...event,
    ...(body !== undefined ? { body } : {}),
    headers: {
      ...event["headers"],
      "x-partner-ops-signature": signWebhook(body ?? "", SECRET, { request: { method: String(event["routeKey"]).split(" ")[0]!, path: String(event["rawPath"]) } }),
    },
  });

  it("invoke as documented: the API samples (re-signed), realname-submit and realname-status", async () => {
    const create = load("realname-api-create.json");
    const unsigned = await engine.invoke("realname-api", create);
    expect(unsigned.ok && (unsigned.result as { statusCode: number }).statusCode).toBe(401); // the sample's signature is a placeholder
    const body = (create["body"] as string).replace(/"customer_id":"[^"]*"/, `"customer_id":"${freshCustomer()}"`); // the sample names a sandbox customer; this test uses a fresh one
    const created = await engine.invoke("realname-api", signed({ ...create, headers: { ...create["headers"], "x-request-id": "sample-events-1" } }, body));
    expect(created.ok).toBe(true);
    const reply = (created as { result: { statusCode: number; body: string } }).result;
    expect(reply.statusCode).toBe(201);
    const id = JSON.parse(reply.body).id as string;
    const get = load("realname-api-get.json");
    const got = await engine.invoke("realname-api", signed({ ...get, rawPath: `/realname/applications/${id}`, pathParameters: { id } }, undefined));
    expect((got as { result: { statusCode: number } }).result.statusCode).toBe(200);
    const submit = load("realname-api-submit.json");
    const sub = await engine.invoke("realname-api", signed({ ...submit, rawPath: `/realname/applications/${id}/submit`, pathParameters: { id } }, ""));
    expect((sub as { result: { statusCode: number } }).result.statusCode).toBe(409); // inline application: nothing to upload
    const consumer = await engine.invoke("realname-submit", load("realname-submit.json"));
    expect(consumer).toMatchObject({ ok: true, result: { batchItemFailures: [] } }); // unknown application: dropped with a warning
    const status = await engine.invoke("realname-status", load("realname-status.json"));
    expect(status.ok).toBe(true);
    await waitState(id, ["approved"]);
  });
});
