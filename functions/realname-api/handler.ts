/**
 * HTTP API of real-name applications (API Gateway HTTP API, payload 2.0):
 *   POST /realname/applications               create (inline attachments or upload slots)
 *   POST /realname/applications/{id}/submit   check the uploaded files and queue the submission
 *   GET  /realname/applications/{id}          status and history
 * Every request must carry X-Partner-Ops-Signature over its raw body, or over `METHOD path` when it
 * has no body (GET, submit), so a signature for one application cannot be replayed on another. Wiring only: the flows are in shared/realname-io/service.ts.
 */
import middy from "@middy/core";
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { z } from "zod";
import { createLogger } from "../../shared/log/index.ts";
import { wireRealname } from "../../shared/realname-io/index.ts";
import type { HttpResult } from "../../shared/realname-io/index.ts";
import { verifyWebhookSignature, webhookSignedPayload } from "../../shared/signing/index.ts";

const logger = createLogger({ persistentKeys: { function: "realname-api" } });
const { service, webhookSecrets } = wireRealname(process.env, logger, { bucket: true, webhook: true });

const eventSchema = z.object({
  routeKey: z.string(),
  rawPath: z.string().default("/"),
  headers: z.record(z.string(), z.string().optional()).default({}),
  pathParameters: z.record(z.string(), z.string().optional()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().default(false),
});

const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

function reply(r: HttpResult): APIGatewayProxyResultV2 {
  return { statusCode: r.statusCode, headers: { "content-type": "application/json", "cache-control": "no-store" }, body: JSON.stringify(r.body) };
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
  const signed = webhookSignedPayload(method, event.rawPath, raw);
  const verdict = verifyWebhookSignature(signed, headers["x-partner-ops-signature"], { secrets: await webhookSecrets() });
  if (!verdict.ok) {
    logger.warn("realname: request refused (signature)", { route: event.routeKey, reason: verdict.reason });
    return reply({ statusCode: 401, body: { error: "unauthorized", message: verdict.message } });
  }

  const id = event.pathParameters?.["id"] ?? "";
  try {
    switch (event.routeKey) {
      case "POST /realname/applications": {
        const requestId = headers["x-request-id"];
        if (requestId !== undefined && !REQUEST_ID.test(requestId)) {
          return reply({ statusCode: 400, body: { error: "validation_failed", errors: [{ field: "X-Request-Id", message: "must be 1-128 printable ASCII characters" }] } });
        }
        return reply(await service.createApplication(typeof raw === "string" ? raw : raw.toString("utf8"), requestId));
      }
      case "POST /realname/applications/{id}/submit":
        return reply(await service.submitUploads(id));
      case "GET /realname/applications/{id}":
        return reply(await service.getApplication(id));
      default:
        return reply({ statusCode: 404, body: { error: "not_found", message: "no such route" } });
    }
  } catch (err) {
    const e = err as Error & { $metadata?: { httpStatusCode?: number } };
    logger.error("realname: request failed", { route: event.routeKey, error: e.name, status: e.$metadata?.httpStatusCode });
    return reply({ statusCode: 500, body: { error: "internal", message: "the request could not be completed; try again" } });
  }
}

export const handler = middy<unknown, APIGatewayProxyResultV2>().handler(base);
