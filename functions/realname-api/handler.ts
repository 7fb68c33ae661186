/**
 * HTTP API of real-name applications (API Gateway HTTP API, payload 2.0):
 *   POST /realname/applications               create (inline attachments or upload slots)
 *   POST /realname/applications/{id}/submit   check the uploaded files and queue the submission
 *   GET  /realname/applications/{id}          status and history
 * Every request must carry X-Partner-Ops-Signature v2 (method, path with query and raw body signed
 * together; v1, body only, is still accepted on create during its deprecation period), and a
 * signature is accepted once: its replay key is stored (records table, TTL) for the window.
 * Wiring only: the flows are in shared/realname-io/service.ts.
 */
import middy from "@middy/core";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { z } from "zod";
import { createLogger } from "../../shared/log/index.ts";
import { wireRealname } from "../../shared/realname-io/index.ts";
import type { HttpResult } from "../../shared/realname-io/index.ts";
import { DEFAULT_TOLERANCE_SECONDS, verifyWebhookSignature, webhookReplayKey, type WebhookSignatureVersion } from "../../shared/signing/index.ts";

const logger = createLogger({ persistentKeys: { function: "realname-api" } });
const { service, webhookSecrets, claimSignature } = wireRealname(process.env, logger, { bucket: true, webhook: true });

const eventSchema = z.object({
  routeKey: z.string(),
  rawPath: z.string().default("/"),
  rawQueryString: z.string().default(""),
  headers: z.record(z.string(), z.string().optional()).default({}),
  pathParameters: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

const CREATE_ROUTE = "POST /realname/applications";
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The field an error without its own `errors` list is about (every 4xx names a field and a message). */
const ERROR_FIELDS: Record<string, string> = {
  unauthorized: "X-Partner-Ops-Signature",
  request_id_reused: "X-Request-Id",
  not_found: "id",
  expired: "id",
  not_an_upload_application: "id",
  bad_request: "(request)",
  no_route: "(route)",
  invalid_body: "(body)",
};

function reply(r: HttpResult): APIGatewayProxyResultV2 {
  let body = r.body;
  if (r.statusCode >= 400 && r.statusCode < 500 && !Array.isArray(body["errors"]) && typeof body["message"] === "string") {
    const code = String(body["error"]);
    body = { ...body, errors: [{ field: Object.hasOwn(ERROR_FIELDS, code) ? ERROR_FIELDS[code]! : "(request)", message: body["message"] }] };
  }
  return { statusCode: r.statusCode, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(body) };
}

async function base(rawEvent: unknown): Promise<APIGatewayProxyResultV2> {
  const parsed = eventSchema.safeParse(rawEvent);
  if (!parsed.success) return reply({ statusCode: 400, body: { error: "bad_request", message: "not an HTTP API event" } });
  const event = parsed.data;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(event.headers)) if (v !== undefined) headers[k.toLowerCase()] = v;
  // A text body is signed and handed on as the string the event carries (its UTF-8 bytes are what
  // the HMAC covers): no Buffer copy and no decode back, which for an inline upload is megabytes each.
  const raw: string | Buffer = event.body === undefined ? "" : event.isBase64Encoded ? Buffer.from(event.body, "base64") : event.body;

  const method = event.routeKey.split(" ")[0] ?? "";
  const request = { method, path: event.rawPath + (event.rawQueryString ? `?${event.rawQueryString}` : "") };
  // v1 (body only) is deprecated and never accepted where a body could be moved to another resource.
  const versions: WebhookSignatureVersion[] = event.routeKey === CREATE_ROUTE ? ["v2", "v1"] : ["v2"];
  const verdict = verifyWebhookSignature(raw, headers["x-partner-ops-signature"], { secrets: await webhookSecrets(), request, versions });
  if (!verdict.ok) {
    logger.warn("realname: request refused (signature)", { route: event.routeKey, reason: verdict.reason });
    return reply({ statusCode: 401, body: { error: "unauthorized", message: verdict.message } });
  }
  if (verdict.version === "v1") logger.warn("realname: deprecated v1 signature accepted (sign v2: method, path and body)", { route: event.routeKey });

  const id = event.pathParameters?.["id"] ?? "";
  // Each signature is accepted once. A header that carried v1 and v2 also claims the nonce-less v1
  // key, so the same header stripped to its v1 part (accepted on create) is refused as well.
  const replayGuard = async (): Promise<HttpResult | undefined> => {
    const nonces = verdict.version === "v2" && versions.includes("v1") && verdict.presented.includes("v1") ? [verdict.nonce, ""] : [verdict.nonce];
    const expiresAt = verdict.timestamp + DEFAULT_TOLERANCE_SECONDS + 60;
    let fresh = true;
    for (const n of nonces) fresh = (await claimSignature(webhookReplayKey(verdict.timestamp, n, request, raw), expiresAt)) && fresh;
    if (fresh) return undefined;
    logger.warn("realname: request refused (signature replayed)", { route: event.routeKey });
    return { statusCode: 401, body: { error: "unauthorized", message: "this signature was already used; sign every request anew" } };
  };
  try {
    // Create claims the signature once the body is valid, just before anything is stored (an invalid
    // body changes nothing, replayed or not); the other routes claim it first.
    if (event.routeKey !== CREATE_ROUTE) {
      const refused = await replayGuard();
      if (refused) return reply(refused);
    }
    switch (event.routeKey) {
      case "POST /realname/applications": {
        const requestId = headers["x-request-id"];
        if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
          return reply({ statusCode: 400, body: { error: "validation_failed", errors: [{ field: "X-Request-Id", message: "must be 1-128 printable ASCII characters" }] } });
        }
        return reply(await service.createApplication(typeof raw === "string" ? raw : raw.toString("utf8"), requestId, replayGuard));
      }
      case "POST /realname/applications/{id}/submit":
        return reply(await service.submitUploads(id));
      case "GET /realname/applications/{id}":
        return reply(await service.getApplication(id));
      default:
        return reply({ statusCode: 404, body: { error: "no_route", message: "no such route" } });
    }
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    logger.error("realname: request failed", { route: event.routeKey, error: e.name, status: e.$metadata?.httpStatusCode });
    return reply({ statusCode: 500, body: { error: "internal", message: "the request could not be completed; try again" } });
  }
}

export const handler = middy<unknown, APIGatewayProxyResultV2>().handler(base);
