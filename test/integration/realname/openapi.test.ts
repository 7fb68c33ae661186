/**
 * The OpenAPI document of realname-api (functions/realname-api/openapi.json) against the handler:
 * the committed file is what shared/realname/openapi.ts generates, the engine serves it, every
 * documented request example is accepted, and for every route every documented status is driven
 * through the real handler (engine on 127.0.0.1) with its answer validated by Ajv against the
 * document — and no undocumented status occurs.
 */
import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPENAPI_FILE, openApiText } from "../../../local/build/openapi.ts";
import { signWebhook } from "../../../shared/signing/index.ts";
import { jpeg, pdf } from "../../e2e/helpers/realname-files.ts";
import { SECRET, enterpriseInline, startRealnameHarness, type RealnameHarness } from "../../security/helpers/realname-engine.ts";

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content: { "application/json": { schema: unknown } } }>; requestBody?: { content: { "application/json": { schema: unknown; examples: Record<string, { value: unknown }> } } } }>>; components: { schemas: Record<string, unknown> } };
const doc = JSON.parse(readFileSync(OPENAPI_FILE, "utf8")) as Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema({ $id: "doc", components: doc.components });
const validator = (schema: unknown) => ajv.compile({ $ref: "doc#/components/schemas/" + String((schema as { $ref?: string }).$ref).split("/").pop() });

let h: RealnameHarness;
beforeAll(async () => {
  h = await startRealnameHarness();
}, 60_000);
afterAll(async () => h?.close());

const seen = new Map<string, Set<string>>();
async function call(route: string, method: string, path: string, body?: string, opts: Parameters<RealnameHarness["send"]>[3] = {}) {
  const r = await h.send(method, path, body, opts);
  const op = doc.paths[route]![method.toLowerCase()]!;
  const documented = op.responses[String(r.status)];
  expect(documented, `${method} ${route} answered ${r.status}, which the document does not list: ${r.text.slice(0, 200)}`).toBeDefined();
  const validate = validator(documented!.content["application/json"].schema);
  expect(validate(r.json), `${method} ${route} ${r.status}: ${ajv.errorsText(validate.errors)} in ${r.text.slice(0, 300)}`).toBe(true);
  (seen.get(`${method} ${route}`) ?? seen.set(`${method} ${route}`, new Set()).get(`${method} ${route}`)!).add(String(r.status));
  return r;
}

describe("OpenAPI document of realname-api", () => {
  it("is the generated one (run `npm run openapi` after changing the schemas) and the engine serves it", async () => {
    expect(readFileSync(OPENAPI_FILE, "utf8")).toBe(openApiText());
    const served = await fetch(`${h.api}/openapi.json`);
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(doc);
    expect(doc).toMatchObject({ openapi: "3.1.0", "x-document-roles": { required: expect.any(Array) } });
  });

  it("every request example validates against the request schema and is accepted by the handler", async () => {
    const body = doc.paths["/realname/applications"]!["post"]!.requestBody!.content["application/json"];
    const validate = ajv.compile({ ...(body.schema as object), $defs: undefined, components: doc.components, $id: "req" });
    for (const [name, ex] of Object.entries(body.examples)) {
      const value = { ...(ex.value as Record<string, unknown>), customer_id: h.freshCustomer() };
      expect(validate(value), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      const r = await call("/realname/applications", "POST", "/realname/applications", JSON.stringify(value));
      expect(r.status, `${name}: ${r.text.slice(0, 300)}`).toBe(201);
    }
  });

  it("drives every documented status of every route and validates each answer against the document", async () => {
    const C = "/realname/applications";
    // create: 201, 200, 400, 401, 409, 415, 422
    const body = JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(800, "oa")));
    await call(C, "POST", C, body, { headers: { "x-request-id": "openapi-1" } });
    await call(C, "POST", C, body, { headers: { "x-request-id": "openapi-1" } });
    await call(C, "POST", C, JSON.stringify(enterpriseInline(h.freshCustomer(), jpeg(900, "ob"))), { headers: { "x-request-id": "openapi-1" } });
    await call(C, "POST", C, JSON.stringify({ type: "enterprise", customer_id: "bad id!" }));
    await call(C, "POST", C, "{not json");
    await call(C, "POST", C, body, { signature: null });
    await call(C, "POST", C, body, { headers: { "content-type": "text/plain" } });
    await call(C, "POST", C, JSON.stringify(enterpriseInline(h.freshCustomer(), Buffer.concat([jpeg(800, "oc"), Buffer.from("PK\x03\x04 appended zip")]))));
    // upload application for submit
    const customer = h.freshCustomer();
    const upload = (size: number) => JSON.stringify({ type: "enterprise", customer_id: customer, certificate_type: 0, corp_name: "上传测试有限公司", verified_number: "91350100M000100Y43", attachments: { mode: "upload", files: [{ role: "company_certificate", size }] } });
    const created = await call(C, "POST", C, upload(5000));
    const id = created.json.id as string;
    const S = `${C}/{id}/submit`;
    const G = `${C}/{id}`;
    await call(S, "POST", `${C}/${id}/submit`, ""); // 409 nothing uploaded
    const url = created.json.uploads[0].url as string;
    expect(url.startsWith("http://127.0.0.1:")).toBe(true);
    const put = async (bytes: Buffer) => expect((await fetch(url, { method: "PUT", body: bytes })).status).toBe(200);
    await put(Buffer.concat([pdf(4000, "od").subarray(0, 3990), Buffer.alloc(10, 0x20)])); // 5000 bytes? no: refused anyway
    await call(S, "POST", `${C}/${id}/submit`, ""); // 422 malformed/size
    const created2 = await call(C, "POST", C, upload(5000));
    const id2 = created2.json.id as string;
    expect((await fetch(created2.json.uploads[0].url as string, { method: "PUT", body: pdf(5000, "oe") })).status).toBe(200);
    await call(S, "POST", `${C}/${id2}/submit`, ""); // 202
    await call(S, "POST", `${C}/${id2}/submit`, ""); // 200 already past uploads
    await call(S, "POST", `${C}/0190f5c4-0000-7000-8000-000000000404/submit`, ""); // 404
    await call(S, "POST", `${C}/${id2}/submit`, "", { signature: signWebhook("", SECRET, { request: { method: "POST", path: `${C}/${id}/submit` } }) }); // 401
    await call(G, "GET", `${C}/${id2}`);
    await call(G, "GET", `${C}/0190f5c4-0000-7000-8000-000000000404`);
    await call(G, "GET", `${C}/${id2}`, undefined, { signature: "t=1,v2=" + "0".repeat(64) });

    for (const [route, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        expect([...(seen.get(`${method.toUpperCase()} ${route}`) ?? [])].sort(), `${method} ${route}`).toEqual(Object.keys(op.responses).sort());
      }
    }
  });
});
