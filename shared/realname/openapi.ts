/**
 * The OpenAPI 3.1 document of realname-api, generated from the zod schemas the handler validates
 * requests with (applicationSchemas, zod 4's JSON Schema output) and the zod schemas of its answers
 * below. Served by the local engine at `/openapi.json`; committed as
 * functions/realname-api/openapi.json (`npm run openapi` writes it; a test checks it is current and
 * that the handler's answers match it). I/O-free.
 */
import { z } from "zod";
import { APPLICATION_TYPES, CERTIFICATE_TYPES, MAX_FILES, MAX_INLINE_TOTAL_BYTES, applicationSchemas } from "./application.ts";
import { DOCUMENT_ROLES, DOCUMENT_ROLE_LABELS, HWC_SITES, VERIFIED_TYPES, requiredDocuments, type HwcSite } from "./documents.ts";
import { ACCEPTED_CONTENT_TYPES, MAX_FILE_BYTES } from "./files.ts";
import { sampleJpeg } from "./sample-files.ts";
import { APPLICATION_STATES } from "./state.ts";

// ---------------------------------------------------------------------------------------------
// Answers

const fieldError = z.object({ field: z.string().min(1).meta({ description: "body path (`a.b[0]`, `(body)`), header name, `id`, `uploads.<role>`, `(route)` or `(request)`" }), message: z.string().min(1) });
const uploadSlot = z.object({
  position: z.number().int().min(1),
  role: z.enum(DOCUMENT_ROLES),
  method: z.literal("PUT"),
  url: z.string().meta({ description: "presigned PUT URL; send exactly `size` bytes" }),
  size: z.number().int(),
  expires_at: z.string(),
});
export const errorAnswer = z.object({
  error: z.string().meta({ description: "machine-readable code, e.g. validation_failed, unprocessable_file, unauthorized" }),
  message: z.string().min(1),
  errors: z.array(fieldError).min(1),
  uploads: z.array(uploadSlot).optional().meta({ description: "422 at submit: fresh URLs for the refused documents" }),
  application: z.record(z.string(), z.unknown()).optional(),
});
export const createdAnswer = z.object({
  id: z.string(),
  status: z.enum(APPLICATION_STATES),
  attachments_mode: z.enum(["inline", "upload"]),
  uploads: z.array(uploadSlot).optional().meta({ description: "upload mode: one slot per required document, in BSS order" }),
  submit: z.object({ method: z.literal("POST"), path: z.string() }).optional(),
  uploads_expire_at: z.string().optional(),
});
export const applicationView = z.object({
  id: z.string(),
  customer_id: z.string(),
  type: z.enum(APPLICATION_TYPES),
  attachments_mode: z.enum(["inline", "upload"]),
  status: z.enum(APPLICATION_STATES),
  submit_attempts: z.number().int().min(0),
  is_review: z.boolean().optional(),
  opinion: z.string().optional(),
  failure: z.object({ code: z.string(), disposition: z.string(), message: z.string(), operator_action: z.string().optional() }).optional(),
  documents: z.array(z.object({ position: z.number().int(), role: z.enum(DOCUMENT_ROLES), path: z.string(), size: z.number().int() })),
  documents_purged: z.boolean(),
  uploads_expire_at: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
  history: z.array(z.object({ at: z.string(), actor: z.string(), event: z.string(), from: z.enum(APPLICATION_STATES).nullable(), to: z.enum(APPLICATION_STATES), detail: z.string().optional() })),
});

// ---------------------------------------------------------------------------------------------
// Document

const CREDIT_CODE = "91350100M000100Y43";
const RESIDENT_ID = "11010519491231002X";

function examples() {
  const jpeg = sampleJpeg(200, "example").toString("base64");
  return {
    enterprise_inline: {
      summary: "Enterprise, business licence sent inline",
      value: { type: "enterprise", customer_id: "0a1b2c3d4e5f", certificate_type: 0, corp_name: "厦门示例科技有限公司", verified_number: CREDIT_CODE, reg_country: "CN", callback_url: "https://portal.example.com/hooks/realname", attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64: jpeg, content_type: "image/jpeg" }] } },
    },
    enterprise_with_legal_person_upload: {
      summary: "Enterprise with its legal person, files uploaded to presigned URLs",
      value: { type: "enterprise", customer_id: "0a1b2c3d4e5f", certificate_type: 0, corp_name: "厦门示例科技有限公司", verified_number: CREDIT_CODE, enterprise_person: { legel_name: "王某某", legel_id_number: RESIDENT_ID }, attachments: { mode: "upload", files: [{ role: "company_certificate", size: 184321, content_type: "application/pdf" }, { role: "legal_person_id_portrait", size: 95012 }, { role: "legal_person_id_emblem", size: 93307 }] } },
    },
    individual_passport: {
      summary: "Individual, passport (identify_type 0, verified_type 3; China site: 3 files)",
      value: { type: "individual", customer_id: "0a1b2c3d4e5f", identify_type: 0, verified_type: 3, name: "Zhang San", verified_number: "E12345678", attachments: { mode: "upload", files: [{ role: "passport_bio_page", size: 120000 }, { role: "passport_entry_stamp_page", size: 118000 }, { role: "passport_handheld_bio_page", size: 240000 }] } },
    },
    individual_bank_card: {
      summary: "Individual, bank card + SMS code (identify_type 4; China site only)",
      value: { type: "individual", customer_id: "0a1b2c3d4e5f", identify_type: 4, name: "张三", verified_number: RESIDENT_ID, bank_card_info: { bank_account: "6222020000000000000", areacode: "0086", mobile: "13800000000", verification_code: "123456" }, attachments: { mode: "inline", files: [{ role: "face_photo", content_base64: jpeg }] } },
    },
  };
}

function documentRoles(): Record<string, unknown> {
  // The rules depend on the partner's Huawei site (configuration HWC_SITE): `sites` lists where a row applies.
  const both = [...HWC_SITES];
  const rows: { application: string; sites: HwcSite[]; roles: string[] }[] = [
    { application: "enterprise / change, without enterprise_person", sites: both, roles: requiredDocuments({ type: "enterprise" }) },
    { application: "enterprise / change, with enterprise_person", sites: both, roles: requiredDocuments({ type: "enterprise", enterprise_person: {} }) },
    ...VERIFIED_TYPES.flatMap((vt) => {
      const selector = { type: "individual", identify_type: 0, verified_type: vt } as const;
      const cn = requiredDocuments(selector, "cn");
      const intl = requiredDocuments(selector, "intl");
      const application = `individual, identify_type 0, verified_type ${vt}`;
      return cn.join() === intl.join()
        ? [{ application, sites: both, roles: cn }]
        : [
            { application, sites: ["cn" as const], roles: cn },
            { application, sites: ["intl" as const], roles: intl },
          ];
    }),
    { application: "individual, identify_type 4 (bank card; China site only)", sites: ["cn"], roles: requiredDocuments({ type: "individual", identify_type: 4 }, "cn") },
  ];
  return { labels: DOCUMENT_ROLE_LABELS, required: rows };
}

const DESCRIPTION = `Real-name applications of a Huawei Cloud partner's customers (partner-ops).

**Signature.** Every request carries \`X-Partner-Ops-Signature: t=<unix s>,n=<nonce>,v2=<hex HMAC-SHA256(secret, "v2\\n" + t + "\\n" + n + "\\n" + METHOD + "\\n" + path?query + "\\n" + raw body)>\`; each signature is accepted once within 300 s. The deprecated body-only \`v1\` is accepted on create only, until 0.3.0 / 2027-03-31.

**Types and required fields.** \`type\` enterprise | change (individual → enterprise) | individual. Enterprise/change: \`customer_id\`, \`corp_name\`, \`verified_number\` (a unified social credit code with a valid check character when \`certificate_type\` is 0 or omitted, and whenever it has 18 characters), optional \`certificate_type\` (${CERTIFICATE_TYPES.join(", ")}), \`reg_country\`, \`reg_address\`, \`enterprise_person\` {\`legel_name\`, \`legel_id_number\` (resident ID with a valid check character)}. Individual: \`identify_type\` 0 (personal certificate: \`verified_type\` ${VERIFIED_TYPES.join(" | ")} required — 3 passport, 5 HK/Macao travel permit, 6 Taiwan travel permit, 9 HK/Macao residence permit, 10 Taiwan residence permit) or 4 (bank card: \`bank_card_info\` required; \`verified_number\` is a resident ID; China site only), \`name\`, \`verified_number\`.

**Sites.** The service is configured for the partner's Huawei site (\`HWC_SITE\`: \`cn\` China site, \`intl\` international site). On \`intl\` a passport takes 2 files (\`passport_bio_page\`, \`passport_handheld_bio_page\`) and \`identify_type\` 4 is refused (400, field \`identify_type\`): there is no bank-card scheme. \`x-document-roles\` lists the sites of each row.

**Documents.** \`attachments.files\` lists exactly the roles the application needs (see \`x-document-roles\`), at most ${MAX_FILES}, each JPEG, PNG, GIF, BMP or PDF judged by content and structure (accepted declarations: ${ACCEPTED_CONTENT_TYPES.join(", ")}), at most ${MAX_FILE_BYTES} bytes; inline files total at most ${MAX_INLINE_TOTAL_BYTES} bytes decoded.

**Errors.** Every 4xx answer is \`{error, message, errors:[{field, message}]}\`: 400 malformed (every bad field named), 401 signature, 404, 409 state or X-Request-Id conflict, 415 not JSON, 422 file refused.`;

const toSchema = (s: z.ZodType) => z.toJSONSchema(s, { io: "input", unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;

function stripDialect(s: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = s;
  return rest;
}

export function realnameOpenApi(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    EnterpriseApplication: stripDialect(toSchema(applicationSchemas.enterprise)),
    ChangeApplication: stripDialect(toSchema(applicationSchemas.change)),
    IndividualApplication: stripDialect(toSchema(applicationSchemas.individual)),
    Created: stripDialect(toSchema(createdAnswer)),
    Application: stripDialect(toSchema(applicationView)),
    Error: stripDialect(toSchema(errorAnswer)),
  };
  const ref = (n: string) => ({ $ref: `#/components/schemas/${n}` });
  const json = (schema: unknown, description: string) => ({ description, content: { "application/json": { schema } } });
  const err = (description: string) => json(ref("Error"), description);
  const signature = { name: "X-Partner-Ops-Signature", in: "header", required: true, schema: { type: "string", pattern: "^t=\\d+,.*(v1|v2)=[0-9a-f]{64}" }, description: "see the description above" };
  const id = { name: "id", in: "path", required: true, schema: { type: "string" }, description: "application id (UUID v7)" };
  return {
    openapi: "3.1.0",
    info: { title: "partner-ops real-name API", version: "2", description: DESCRIPTION },
    "x-document-roles": documentRoles(),
    paths: {
      "/realname/applications": {
        post: {
          operationId: "createApplication",
          parameters: [signature, { name: "X-Request-Id", in: "header", required: false, schema: { type: "string", pattern: "^[\\x21-\\x7e]{1,128}$" }, description: "idempotency: the same id with the same body returns the same application (200); with another body 409" }],
          requestBody: {
            required: true,
            content: { "application/json": { schema: { oneOf: [ref("EnterpriseApplication"), ref("ChangeApplication"), ref("IndividualApplication")], discriminator: { propertyName: "type", mapping: { enterprise: "#/components/schemas/EnterpriseApplication", change: "#/components/schemas/ChangeApplication", individual: "#/components/schemas/IndividualApplication" } } }, examples: examples() } },
          },
          responses: {
            "200": json(ref("Created"), "the same X-Request-Id and body again: the application created the first time"),
            "201": json(ref("Created"), "created: `validated` (inline files checked, stored and queued) or `awaiting_uploads` with presigned URLs"),
            "400": err("malformed: every bad field named"),
            "401": err("signature missing, malformed, wrong, expired, replayed or v1 outside create"),
            "409": err("X-Request-Id reused with another body"),
            "415": err("Content-Type is not application/json"),
            "422": err("a file is refused (type, disguise, structure, size)"),
          },
        },
      },
      "/realname/applications/{id}/submit": {
        post: {
          operationId: "submitUploads",
          parameters: [signature, id],
          responses: {
            "200": json(ref("Application"), "already past the upload step"),
            "202": json(ref("Application"), "every upload passed; the submission is queued"),
            "401": err("signature refused"),
            "404": err("no such application"),
            "409": err("uploads missing, window closed (`expired`), not an upload application, or a file replaced while checked (`upload_changed`)"),
            "422": err("an upload is refused; `uploads` carries fresh URLs for it"),
          },
        },
      },
      "/realname/applications/{id}": {
        get: {
          operationId: "getApplication",
          parameters: [signature, id],
          responses: { "200": json(ref("Application"), "status, documents and redacted history"), "401": err("signature refused"), "404": err("no such application") },
        },
      },
    },
    components: { schemas },
  };
}
