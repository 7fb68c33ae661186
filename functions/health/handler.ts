/**
 * GET /health — liveness of the webhook API. Wiring only: no I/O, no secrets.
 */
import type { APIGatewayProxyResultV2 } from "aws-lambda";
import { loadConfig } from "../../shared/config/index.ts";

const config = loadConfig(process.env);

export const handler = async (): Promise<APIGatewayProxyResultV2> => ({
  statusCode: 200,
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ status: "ok", service: config.POWERTOOLS_SERVICE_NAME, stage: config.STAGE }),
});
