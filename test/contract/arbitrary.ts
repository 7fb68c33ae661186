/**
 * JSON-Schema-like contract node → fast-check arbitrary: every value the contract allows, with
 * optional fields present or absent, and (for responses) unknown extra fields and enum values the
 * contract does not document ("response enums are the documented values, not a closed set").
 * Independent of the client's zod schemas.
 */
import fc from "fast-check";
import type { Node } from "./schema.ts";

export interface ArbOptions {
  /** Add unknown fields to objects (prefixed `zz_`). */
  extraFields: boolean;
  /** Sometimes pick a value outside a documented enum (same JSON type). */
  undocumentedEnums: boolean;
  /** Longest generated array. */
  maxArray: number;
  /** Favour values a caller would plausibly pass (small non-negative integers, non-empty words) while keeping the full range reachable. */
  plausible?: boolean;
}

const two = (n: number): string => String(n).padStart(2, "0");
const utc = fc
  .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2099, 11, 31) / 1000 })
  .map((s) => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));
const day = fc.record({ y: fc.integer({ min: 2000, max: 2099 }), m: fc.integer({ min: 1, max: 12 }), d: fc.integer({ min: 1, max: 28 }) }).map(({ y, m, d }) => `${y}-${two(m)}-${two(d)}`);
const extraValue = fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }));

function scalar(node: Node, o: ArbOptions): fc.Arbitrary<unknown> {
  const full = fullScalar(node);
  if (!o.plausible) return full;
  let likely: fc.Arbitrary<unknown> | undefined;
  if (node.type === "integer" && node.minimum === undefined && node.maximum === undefined) likely = fc.integer({ min: 0, max: 200 });
  if (node.type === "string" && !node.format && !node.pattern) likely = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$/).filter((x) => x.length <= (node.maxLength ?? 16));
  return likely ? fc.oneof({ arbitrary: likely, weight: 4 }, { arbitrary: full, weight: 1 }) : full;
}

function fullScalar(node: Node): fc.Arbitrary<unknown> {
  switch (node.type) {
    case "string": {
      if (node.format === "date-time") return utc;
      if (node.format === "date") return day;
      if (node.pattern) return fc.stringMatching(new RegExp(node.pattern));
      return fc.string({ minLength: node.minLength ?? 0, maxLength: Math.min(node.maxLength ?? 24, 24) });
    }
    case "integer": {
      const lo = node.minimum ?? (node.format === "int32" ? -(2 ** 31) : Number.MIN_SAFE_INTEGER);
      const hi = node.maximum ?? (node.format === "int32" ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER);
      return fc.integer({ min: lo, max: hi });
    }
    case "number":
      return fc.double({ noNaN: true, noDefaultInfinity: true, min: node.minimum ?? -1e9, max: node.maximum ?? 1e9 }).map((x) => (Object.is(x, -0) ? 0 : x));
    case "boolean":
      return fc.boolean();
    default:
      return fc.constant(null);
  }
}

export function arbitraryOf(node: Node, o: ArbOptions): fc.Arbitrary<unknown> {
  if (node.enum && node.enum.length > 0) {
    const documented = fc.constantFrom(...node.enum);
    if (!o.undocumentedEnums) return documented;
    const raw: fc.Arbitrary<unknown> = node.type === "string" ? fc.stringMatching(/^[0-9A-Za-z_]{1,6}$/) : fc.integer({ min: -1000, max: 100_000 });
    const other = raw.filter((v) => !node.enum!.includes(v));
    return fc.oneof({ arbitrary: documented, weight: 4 }, { arbitrary: other, weight: 1 });
  }
  if (node.type === "array") {
    const items = node.items ? arbitraryOf(node.items, o) : fc.constant(null);
    return fc.array(items, { minLength: node.minItems ?? 0, maxLength: Math.min(node.maxItems ?? o.maxArray, o.maxArray) });
  }
  if (node.type === "object") {
    const props = node.properties ?? {};
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(props)) model[k] = arbitraryOf(v, o);
    const required = Array.isArray(node.required) ? node.required : [];
    const rec = fc.record(model, { requiredKeys: required });
    if (!o.extraFields) return rec;
    return fc.tuple(rec, fc.dictionary(fc.stringMatching(/^zz_[a-z]{1,6}$/), extraValue, { maxKeys: 2 })).map(([r, extra]) => ({ ...extra, ...r }));
  }
  return scalar(node, o);
}
