/**
 * Request rules the contract states only in prose (its field descriptions), or that the API
 * reference (../shared/reference/bss-api.md) documents where the SDK is silent. Checked after the
 * contract schema (contract.ts) and before the operation runs; a broken rule is 400 CBC.0100.
 * Pure.
 *
 * Where contract and API reference disagree the contract wins, unless the reference documents
 * more than the SDK says; each such case is marked "(reference)" below.
 */
import type { Site } from "./contract.ts";

type Params = Record<string, unknown>;
type Rule = (p: Params, site: Site) => string | undefined;

/**
 * Largest `limit` per paged operation. The SDK states no maximum anywhere; these come from the API
 * reference's parameter tables (reference). Operations not listed have no documented maximum
 * (ListPayPerUseCustomerResources, ListResourceTypes), so the sandbox sets none.
 */
export const LIMIT_MAX: Readonly<Record<string, number>> = {
  ListSubCustomers: 100, // bss-api.md §4 "max 100"
  ListCustomerOrders: 100, // bss-api.md §7 "[1-100]"
  ListServiceTypes: 1000, // bss-api.md §2 "[1-1000]"
  ListIncentiveDiscountPolicies: 100, // bss-api.md §3 "[1-100]"
};

const paging: Rule = (p) => {
  if (typeof p["offset"] === "number" && p["offset"] < 0) return "offset: must be >= 0";
  if (typeof p["limit"] === "number" && p["limit"] < 1) return "limit: must be >= 1";
  return undefined;
};

const limitMax =
  (max: number): Rule =>
  (p) =>
    typeof p["limit"] === "number" && p["limit"] > max ? `limit: must be <= ${max}` : undefined;

const period: Rule = (p) => {
  // Contract: "1-11 when period_type is month, 1-3 when it is year".
  if (p["period_type"] === 3 && typeof p["period_num"] === "number" && p["period_num"] > 3) return "period_num: must be 1-3 for period_type 3 (year)";
  const ids = p["resource_ids"];
  if (Array.isArray(ids) && ids.length === 0) return "resource_ids: at least one resource id";
  if (Array.isArray(ids) && ids.some((x) => x === "")) return "resource_ids: empty id";
  return undefined;
};

const pay: Rule = (p) => {
  // Contract: YES makes the infos mandatory; the SDK text calls infos sent with NO a parameter
  // error (the flag's own text says "ignored"): the stricter reading is taken.
  for (const [flag, list] of [["use_coupon", "coupon_infos"], ["use_discount", "discount_infos"]] as const) {
    const infos = p[list];
    const present = Array.isArray(infos) && infos.length > 0;
    if (p[flag] === "YES" && !present) return `${list}: required when ${flag}=YES`;
    if (p[flag] === "NO" && infos !== undefined) return `${list}: must not be sent when ${flag}=NO`;
  }
  return undefined;
};

/** verified_file_url entries are paths relative to the bucket's download/ folder (contract). */
const files: Rule = (p) => {
  const list = p["verified_file_url"];
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return "verified_file_url: at least one file";
  if (list.length > 4) return "verified_file_url: at most 4 files"; // bss-api.md §10 "max 4" (reference)
  for (const f of list) {
    if (typeof f !== "string" || f === "" || f.startsWith("/") || f.startsWith("download/") || f.split("/").includes("..")) {
      return "verified_file_url: each entry is a path relative to the bucket's download/ folder";
    }
  }
  return undefined;
};

const enterprise: Rule = (p, site) => {
  const bad = files(p, site);
  if (bad) return bad;
  const name = p["corp_name"];
  if (typeof name === "string" && !/\p{L}/u.test(name)) return "corp_name: cannot be only digits, special characters or spaces"; // bss-api.md §8 (reference)
  const country = p["reg_country"];
  // "" is allowed only in the change call (where it clears the value, contract); a code is two letters.
  if (typeof country === "string" && !/^[A-Z]{2}$/.test(country) && !(country === "" && p["change_type"] === 1)) return "reg_country: a two-letter country code";
  if (p["reg_address"] === "" && p["change_type"] !== 1) return "reg_address: must not be empty";
  return undefined;
};

const individual: Rule = (p, site) => {
  const bad = files(p, site);
  if (bad) return bad;
  if (p["identify_type"] === 0 && p["verified_type"] === undefined) return "verified_type: required when identify_type=0";
  if (p["identify_type"] === 4 && p["bank_card_info"] === undefined) return "bank_card_info: required when identify_type=4";
  return undefined;
};

const month: Rule = (p) => {
  const t = p["time"];
  return typeof t === "string" && !/^\d{4}-(0[1-9]|1[0-2])$/.test(t) ? "time: YYYY-MM" : undefined;
};

const noEmptyServiceType: Rule = (p) => (p["service_type_code"] === "" ? 'service_type_code: "" is rejected (omit it for no filter)' : undefined);

const rules: Readonly<Record<string, readonly Rule[]>> = {
  ListPayPerUseCustomerResources: [noEmptyServiceType],
  ListRenewRateOnPeriod: [period],
  RenewalResources: [period],
  PayOrders: [pay],
  CreateEnterpriseRealnameAuthentication: [enterprise],
  ChangeEnterpriseRealnameAuthentication: [enterprise],
  CreatePersonalRealnameAuth: [individual],
  ListIncentiveDiscountPolicies: [month],
};

/** The first broken rule of an operation's (schema-valid) parameters, or undefined. */
export function checkRules(name: string, params: Params, site: Site): string | undefined {
  const list = [paging, ...(LIMIT_MAX[name] !== undefined ? [limitMax(LIMIT_MAX[name])] : []), ...(rules[name] ?? [])];
  for (const r of list) {
    const msg = r(params, site);
    if (msg) return msg;
  }
  return undefined;
}
