/**
 * Test oracle: the BSS contract (test/fixtures/bss-contract/bss-contract.json, taken from
 * Huawei's official Go SDK; source commit inside the file) as real JSON Schema, validated with Ajv.
 * Written independently of both the client (shared/bss) and the sandbox (local/sandbox/contract.ts).
 *
 * Conversion: the contract's nodes already use JSON Schema keywords; descriptions and `x-*` keys
 * are dropped, path/query/header parameter maps become object schemas, and the SDK's number
 * formats (int32, double, decimal) and BSS's UTC time format are registered with Ajv.
 * `closed` adds `additionalProperties: false` (strict writing, and "the sandbox invents no field").
 */
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject } from "ajv";

export type Site = "cn" | "intl";

export interface Node {
  type?: string;
  properties?: Record<string, Node>;
  required?: string[] | boolean;
  items?: Node;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  [k: string]: unknown;
}

export interface Request {
  path: Record<string, Node>;
  query: Record<string, Node>;
  headers: Record<string, Node>;
  body?: Node | null;
}

export interface Operation {
  method: string;
  path: string;
  service: string;
  sites: Site[];
  auth: string;
  request: Request;
  response: { status: number; headers: Record<string, Node>; body?: Node | null };
  intl?: { differences: string[]; request?: Request; responseBody?: Node | null };
}

export const contract = JSON.parse(readFileSync(new URL("../fixtures/bss-contract/bss-contract.json", import.meta.url), "utf8")) as {
  source: { repo: string; commit: string };
  errorBody: Node;
  operations: Record<string, Operation>;
};

// The reference wins where it says more than the SDK's enum (see local/sandbox/contract.ts, written
// independently): PayOrders must be able to send an order's 609 price adjustment (bss-api.md §6.1 and
// the contract's own description of discount_infos[].type), which the SDK's type enum omits.
for (const req of [contract.operations["PayOrders"]?.request, contract.operations["PayOrders"]?.intl?.request]) {
  const type = req?.body?.properties?.["discount_infos"]?.items?.properties?.["type"];
  if (type?.enum && !type.enum.includes(609)) type.enum = [...type.enum, 609];
}

export function operation(name: string): Operation {
  const op = contract.operations[name];
  if (!op) throw new Error(`${name} is not in the contract`);
  return op;
}

export const requestOf = (op: Operation, site: Site): Request => (site === "intl" && op.intl?.request ? op.intl.request : op.request);
export const responseBodyOf = (op: Operation, site: Site): Node | null | undefined =>
  site === "intl" && op.intl?.responseBody !== undefined ? op.intl.responseBody : op.response.body;

const KEYWORDS = ["type", "enum", "format", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"];

export function jsonSchema(node: Node, closed: boolean): Record<string, unknown> {
  const s: Record<string, unknown> = {};
  for (const k of KEYWORDS) if (node[k] !== undefined) s[k] = node[k];
  if (node.type === "object") {
    s["properties"] = Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, v]) => [k, jsonSchema(v, closed)]));
    if (Array.isArray(node.required)) s["required"] = node.required;
    if (closed) s["additionalProperties"] = false;
  }
  if (node.type === "array" && node.items) s["items"] = jsonSchema(node.items, closed);
  return s;
}

export function paramsJsonSchema(params: Record<string, Node>, closed: boolean): Record<string, unknown> {
  const required = Object.entries(params)
    .filter(([, v]) => v.required === true)
    .map(([k]) => k);
  return {
    type: "object",
    properties: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, jsonSchema(v, closed)])),
    required,
    ...(closed ? { additionalProperties: false } : {}),
  };
}

const int32 = (n: number): boolean => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;
const finite = (n: number): boolean => Number.isFinite(n);
const formats = (timeFraction: boolean) => ({
  int32: { type: "number" as const, validate: int32 },
  double: { type: "number" as const, validate: finite },
  decimal: { type: "number" as const, validate: finite },
  // Requests: exactly yyyy-MM-ddTHH:mm:ssZ. Responses: IAM adds a fraction (2026-01-01T00:00:00.000000Z).
  "date-time": timeFraction ? /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/ : /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ$/,
  date: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/,
});

const requestAjv = new Ajv({ strict: false, allErrors: true, formats: formats(false) });
const queryAjv = new Ajv({ strict: false, allErrors: true, coerceTypes: true, formats: formats(false) });
const responseAjv = new Ajv({ strict: false, allErrors: true, formats: formats(true) });

export type Verdict = { ok: true } | { ok: false; errors: string };

const verdict = (ok: boolean, errors: ErrorObject[] | null | undefined, where: string): Verdict =>
  ok ? { ok: true } : { ok: false, errors: (errors ?? []).map((e) => `${where}${e.instancePath} ${e.message ?? ""} ${JSON.stringify(e.params)}`).join("; ") };

const compiled = new Map<string, (v: unknown) => Verdict>();
function memo(key: string, make: () => (v: unknown) => Verdict): (v: unknown) => Verdict {
  let f = compiled.get(key);
  if (!f) {
    f = make();
    compiled.set(key, f);
  }
  return f;
}

/** Body validator (closed: no undocumented field). Undefined when the operation has no body. */
export function requestBodyValidator(name: string, site: Site): ((v: unknown) => Verdict) | undefined {
  const body = requestOf(operation(name), site).body;
  if (!body) return undefined;
  return memo(`body:${site}:${name}`, () => {
    const f = requestAjv.compile(jsonSchema(body, true));
    return (v) => verdict(f(v), f.errors, "body");
  });
}

/** Query validator over the raw string values (coerced to the contract's types). */
export function queryValidator(name: string, site: Site): (v: Record<string, string | string[]>) => Verdict {
  return memo(`query:${site}:${name}`, () => {
    const f = queryAjv.compile(paramsJsonSchema(requestOf(operation(name), site).query, true));
    return (v) => verdict(f(structuredClone(v)), f.errors, "query");
  }) as (v: Record<string, string | string[]>) => Verdict;
}

/** Response validator: `closed` = no field beyond the contract (for the sandbox). */
export function responseValidator(name: string, site: Site, closed: boolean): (v: unknown) => Verdict {
  return memo(`response:${site}:${closed}:${name}`, () => {
    const body = responseBodyOf(operation(name), site);
    if (!body) return (v) => (v === undefined ? { ok: true } : { ok: false, errors: "a body where the contract has none" });
    const f = responseAjv.compile(jsonSchema(body, closed));
    return (v) => verdict(f(v), f.errors, "response");
  });
}

export function errorBodyValidator(): (v: unknown) => Verdict {
  return memo("error", () => {
    const f = responseAjv.compile({ ...jsonSchema(contract.errorBody, false), required: ["error_code", "error_msg"] });
    return (v) => verdict(f(v), f.errors, "error");
  });
}

/** The contract path with `{name}` placeholders as a regex over the request path. */
export function pathRegex(op: Operation): RegExp {
  return new RegExp(`^${op.path.replace(/\{[a-z_]+\}/g, "([^/?]+)")}$`);
}
