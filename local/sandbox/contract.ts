/**
 * The sandbox's route table and request validation, taken from the BSS contract
 * (test/fixtures/bss-contract/bss-contract.json, extracted from Huawei's official Go SDK) — NOT
 * from the client's zod schemas in shared/bss. The client and the sandbox therefore disagree,
 * visibly, when the client's schemas drift from Huawei's models.
 *
 * The contract's JSON-Schema-like objects are turned into JSON Schema for Ajv: descriptions and
 * `x-*` keys dropped, the SDK number formats (int32, double, decimal) and BSS's UTC time format
 * defined, and request objects closed (`additionalProperties: false`: a misspelt field such as
 * `legal_name` is a parameter error here, where real BSS might silently drop it). Query values
 * arrive as strings and are coerced to the contract's types. Rules the contract states only in
 * prose (period_num per period type, use_coupon/coupon_infos …) live in rules.ts.
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";

export type Site = "cn" | "intl";

/** A schema node as the contract writes it (JSON-Schema-like). */
export interface ContractSchema {
  type?: string;
  properties?: Record<string, ContractSchema>;
  required?: string[] | boolean;
  items?: ContractSchema;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  description?: string;
  [extra: `x-${string}`]: unknown;
}

export interface ContractRequest {
  path: Record<string, ContractSchema>;
  query: Record<string, ContractSchema>;
  headers: Record<string, ContractSchema>;
  body?: ContractSchema | null;
}

export interface ContractOperation {
  sdkOperation: string;
  service: "bss" | "iam";
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  sites: Site[];
  auth: "partner AK/SK" | "customer token" | "either" | "IAM token";
  request: ContractRequest;
  response: { status: number; headers: Record<string, ContractSchema>; body?: ContractSchema | null };
  intl?: { differences: string[]; request?: ContractRequest; responseBody?: ContractSchema | null };
}

export interface Contract {
  source: { repo: string; commit: string; date: string };
  operations: Record<string, ContractOperation>;
  errorBody: ContractSchema;
}

export const CONTRACT_URL = new URL("../../test/fixtures/bss-contract/bss-contract.json", import.meta.url);

/**
 * Where the API reference (and the contract's own field text) says more than the SDK's enum, the
 * reference wins: PayOrders `discount_infos[].type` lists 0/2/3 (intl 0/1/2/3), yet its description
 * and bss-api.md §6.1 say an order's 609 price adjustment "must be used and cannot be replaced" —
 * which is only possible by sending type 609.
 */
export function applyReferenceOverrides(c: Contract): Contract {
  const pay = c.operations["PayOrders"];
  for (const req of [pay?.request, pay?.intl?.request]) {
    const type = req?.body?.properties?.["discount_infos"]?.items?.properties?.["type"];
    if (type?.enum && !type.enum.includes(609)) type.enum = [...type.enum, 609];
  }
  return c;
}

let loaded: Contract | undefined;
/** The contract, read once (with the reference overrides above). */
export function contract(): Contract {
  loaded ??= applyReferenceOverrides(JSON.parse(readFileSync(CONTRACT_URL, "utf8")) as Contract);
  return loaded;
}

/** An operation's request/response as seen on one site (the intl model where it differs). */
export function siteRequest(op: ContractOperation, site: Site): ContractRequest {
  return site === "intl" && op.intl?.request ? op.intl.request : op.request;
}
export function siteResponseBody(op: ContractOperation, site: Site): ContractSchema | null | undefined {
  return site === "intl" && op.intl?.responseBody !== undefined ? op.intl.responseBody : op.response.body;
}

const KEEP = ["type", "enum", "format", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"] as const;

/** Contract node → JSON Schema. `closed` adds additionalProperties:false to every object. */
export function toJsonSchema(node: ContractSchema, closed: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEEP) if (node[k] !== undefined) out[k] = node[k];
  if (node.type === "object") {
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node.properties ?? {})) props[k] = toJsonSchema(v, closed);
    out["properties"] = props;
    if (Array.isArray(node.required) && node.required.length > 0) out["required"] = node.required;
    if (closed) out["additionalProperties"] = false;
  }
  if (node.type === "array" && node.items) out["items"] = toJsonSchema(node.items, closed);
  return out;
}

/** Path/query/header parameters → one object schema (`required: true` flags → `required`). */
export function paramsSchema(params: Record<string, ContractSchema>, closed: boolean): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    properties[k] = toJsonSchema(v, closed);
    if (v.required === true) required.push(k);
  }
  return { type: "object", properties, ...(required.length > 0 ? { required } : {}), ...(closed ? { additionalProperties: false } : {}) };
}

const UTC_SECONDS = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/;
const formats = {
  int32: { type: "number" as const, validate: (n: number) => Number.isInteger(n) && n >= -2_147_483_648 && n <= 2_147_483_647 },
  double: { type: "number" as const, validate: (n: number) => Number.isFinite(n) },
  decimal: { type: "number" as const, validate: (n: number) => Number.isFinite(n) },
  // The contract: UTC yyyy-MM-dd'T'HH:mm:ss'Z' (what BSS takes in requests).
  "date-time": UTC_SECONDS,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
};

const bodyAjv = new Ajv({ strict: false, allErrors: true, formats });
const queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, formats });

function describe(errors: ErrorObject[] | null | undefined, where: string): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => {
      const at = e.instancePath === "" ? where : `${where}${e.instancePath.replace(/\//g, ".")}`;
      if (e.keyword === "additionalProperties") return `${at}.${String((e.params as { additionalProperty: string }).additionalProperty)}: not a documented parameter`;
      if (e.keyword === "required") return `${at}.${String((e.params as { missingProperty: string }).missingProperty)}: required`;
      return `${at}: ${e.message ?? "invalid"}`;
    })
    .join("; ");
}

export interface RequestParts {
  query: Record<string, string | string[]>;
  body: unknown;
  pathParams: Record<string, string>;
}

export type RequestCheck = { ok: true; query: Record<string, unknown>; body: unknown } | { ok: false; message: string };

export interface RequestValidator {
  readonly hasBody: boolean;
  check(parts: RequestParts): RequestCheck;
}

const cache = new Map<string, RequestValidator>();

/** The validator of one operation's request on one site. */
export function requestValidator(name: string, site: Site): RequestValidator {
  const key = `${site}:${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const op = contract().operations[name];
  if (!op) throw new Error(`operation ${name} is not in the contract`);
  const req = siteRequest(op, site); // PayOrders' 609: applyReferenceOverrides, at load
  const q: ValidateFunction = queryAjv.compile(paramsSchema(req.query, true));
  const p: ValidateFunction = queryAjv.compile(paramsSchema(req.path, false));
  const b: ValidateFunction | undefined = req.body ? bodyAjv.compile(toJsonSchema(req.body, true)) : undefined;
  const v: RequestValidator = {
    hasBody: b !== undefined,
    check(parts) {
      const query: Record<string, unknown> = { ...parts.query };
      if (!q(query)) return { ok: false, message: describe(q.errors, "query") };
      if (!p({ ...parts.pathParams })) return { ok: false, message: describe(p.errors, "path") };
      if (b) {
        if (!b(parts.body)) return { ok: false, message: describe(b.errors, "body") };
      }
      return { ok: true, query, body: parts.body };
    },
  };
  cache.set(key, v);
  return v;
}

/** Who may call, from the contract's `auth`. */
export function callerOf(op: ContractOperation): "partner" | "customer" | "either" {
  if (op.auth === "partner AK/SK") return "partner";
  if (op.auth === "customer token") return "customer";
  return "either";
}
