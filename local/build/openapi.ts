/**
 * Writes functions/realname-api/openapi.json, the OpenAPI 3.1 document of realname-api generated
 * from its zod schemas (shared/realname/openapi.ts). Run after changing the API's schemas:
 * `npm run openapi` (a test fails while the committed document differs).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { realnameOpenApi } from "../../shared/realname/openapi.ts";

export const OPENAPI_FILE = resolve(import.meta.dirname, "../../functions/realname-api/openapi.json");

export const openApiText = (): string => `${JSON.stringify(realnameOpenApi(), null, 2)}\n`;

if (import.meta.main) {
  writeFileSync(OPENAPI_FILE, openApiText());
  console.log("functions/realname-api/openapi.json written");
}
