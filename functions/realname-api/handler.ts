/**
 * HTTP API of real-name applications (API Gateway HTTP API, payload 2.0):
 *   POST /realname/applications               create (inline attachments or upload slots)
 *   POST /realname/applications/{id}/submit   check the uploaded files and queue the submission
 *   GET  /realname/applications/{id}          status and history
 * Every request must carry X-Partner-Ops-Signature v2 (method, path with query and raw body signed
 * together; v1, body only, is still accepted on create during its deprecation period), and a
 * signature is accepted once: its replay key is stored (records table, TTL) for the window.
 *
 * Wiring only, through middy's http middlewares: header normalisation, routing (http-router), JSON
 * body parsing (create), error mapping (http-error-handler) and serialisation. The signature check
 * and the answer shapes are in shared/realname-io/api-http.ts; the flows in service.ts. The
 * published contract is functions/realname-api/openapi.json (shared/realname/openapi.ts).
 */
import middy from "@middy/core";
import httpErrorHandler from "@middy/http-error-handler";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import httpResponseSerializer from "@middy/http-response-serializer";
import httpRouterHandler from "@middy/http-router";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import { createLogger } from "../../shared/log/index.ts";
import { wireRealname } from "../../shared/realname-io/index.ts";
import { INTERNAL_ERROR_BODY, apiErrorMapper, problem, reply, requestIdHeader, signatureGuard, verifiedRequest } from "../../shared/realname-io/api-http.ts";

const logger = createLogger({ persistentKeys: { function: "realname-api" } });
const { service, webhookSecrets, claimSignature } = wireRealname(process.env, logger, { bucket: true, webhook: true });

type Event = APIGatewayProxyEventV2;
type Result = APIGatewayProxyResultV2;

const create = middy<Event, Result>()
  .use(httpJsonBodyParser({ disableContentTypeError: false }))
  .handler(async (event) => {
    const v = verifiedRequest(event);
    const text = typeof v.raw === "string" ? v.raw : v.raw.toString("utf8");
    return reply(await service.createApplication(text, requestIdHeader(event), v.claim, event.body as unknown));
  });

const submit = async (event: Event): Promise<Result> => {
  const refused = await verifiedRequest(event).claim();
  return reply(refused ?? (await service.submitUploads(event.pathParameters?.["id"] ?? "")));
};

const view = async (event: Event): Promise<Result> => {
  const refused = await verifiedRequest(event).claim();
  return reply(refused ?? (await service.getApplication(event.pathParameters?.["id"] ?? "")));
};

const router = httpRouterHandler<Event, Result>({
  routes: [
    { method: "POST", path: "/realname/applications", handler: create },
    { method: "POST", path: "/realname/applications/{id}/submit", handler: submit },
    { method: "GET", path: "/realname/applications/{id}", handler: view },
  ],
  notFoundResponse: () => {
    throw problem(404, "no_route", [{ field: "(route)", message: "no such route" }]);
  },
});

export const handler = middy<Event, Result>()
  .use(httpResponseSerializer({ serializers: [{ regex: /^application\/json$/, serializer: ({ body }) => (typeof body === "string" ? body : JSON.stringify(body)) }], defaultContentType: "application/json" }))
  .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
  .use(apiErrorMapper(logger))
  .use(httpHeaderNormalizer())
  .use(signatureGuard({ secrets: webhookSecrets, claimSignature, logger }))
  .handler(router);
