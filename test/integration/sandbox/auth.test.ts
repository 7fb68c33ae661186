/**
 * Authentication contract: APIG signature checks, the IAM assume_role token flow, token expiry,
 * and which credentials each operation accepts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { iamTokenResponse } from "../../../shared/bss/schemas.ts";
import { signRequest } from "../../../shared/signing/index.ts";
import { call, customerToken, expectError, expectOk, FIXED_NOW, op } from "./helpers.ts";

let sb: Sandbox;
let agencyCustomer: { id: string; name: string };

beforeAll(async () => {
  sb = await startSandbox({ seed: 11, customers: 12, resourcesPerCustomer: 6, now: FIXED_NOW, ratePerSecond: 10_000, tokenTtlSeconds: 3600 });
  const c = sb.data.customers.find((x) => x.agency)!;
  agencyCustomer = { id: c.info.customer_id, name: c.info.account_name };
});
afterAll(async () => {
  await sb.close();
});

const assumeRole = (assume: Record<string, unknown>, scope: Record<string, unknown>) => ({
  auth: { identity: { methods: ["assume_role"], assume_role: assume }, scope },
});

describe("APIG signature", () => {
  it("accepts a correctly signed request", async () => {
    expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}));
  });

  it("rejects a missing signature with 401 APIG.0301", async () => {
    expectError(await op(sb, "ListSubCustomers", {}, { auth: "none" }), 401, "APIG.0301");
  });

  it("rejects a wrong secret, an unknown AK and a tampered body", async () => {
    expectError(await op(sb, "ListSubCustomers", {}, { auth: { ak: sb.credentials.ak, sk: `${sb.credentials.sk}x` } }), 401, "APIG.0301");
    expectError(await op(sb, "ListSubCustomers", {}, { auth: { ak: "AAAAAAAAAAAAAAAAAAAA", sk: sb.credentials.sk } }), 401, "APIG.0301");
    const url = `${sb.url}/v2/partners/sub-customers/query`;
    const signed = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json" }, body: '{"limit":1}' }, sb.credentials);
    const res = await fetch(url, { method: "POST", headers: signed.headers, body: '{"limit":2}' });
    expectError({ status: res.status, body: await res.json(), text: "", headers: res.headers }, 401, "APIG.0301");
  });

  it("rejects a malformed Authorization header", async () => {
    const r = await call(sb, { method: "POST", path: "/v2/partners/sub-customers/query", body: {}, auth: "none", headers: { Authorization: "SDK-HMAC-SHA256 garbage" } });
    expectError(r, 401, "APIG.0301");
  });

  it("rejects X-Sdk-Date more than 15 minutes from the server clock, accepts within", async () => {
    const now = Date.now();
    expectError(await op(sb, "ListSubCustomers", {}, { date: new Date(now - 16 * 60_000) }), 401, "APIG.0301");
    expectError(await op(sb, "ListSubCustomers", {}, { date: new Date(now + 16 * 60_000) }), 401, "APIG.0301");
    expectOk("ListSubCustomers", await op(sb, "ListSubCustomers", {}, { date: new Date(now - 14 * 60_000) }));
  });
});

describe("IAM assume_role and customer tokens", () => {
  it("issues a customer token (201, X-Subject-Token, assume_role body) by domain_name or domain_id", async () => {
    const r = await call(sb, {
      method: "POST",
      path: "/v3/auth/tokens",
      body: assumeRole({ domain_id: agencyCustomer.id, agency_name: sb.xaccountType }, { domain: { id: agencyCustomer.id } }),
    });
    expect(r.status).toBe(201);
    const body = iamTokenResponse.parse(r.body);
    expect(body.token.methods).toEqual(["assume_role"]);
    expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at!)).toBe(3600_000);
    expect(r.headers.get("x-subject-token")).toMatch(/^MII/);
    expect(await customerToken(sb, agencyCustomer.name)).toMatch(/^MII/);
  });

  it("answers IAM-style errors: unknown account or agency 404 IAM.0004, bad body 400 IAM.0011, unsigned 401 IAM.0001", async () => {
    const tokens = (body: unknown, auth: "partner" | "none" = "partner") => call(sb, { method: "POST", path: "/v3/auth/tokens", body, auth });
    expectError(await tokens(assumeRole({ domain_name: "no-such-account", agency_name: sb.xaccountType }, { domain: { name: "no-such-account" } })), 404, "IAM.0004");
    expectError(await tokens(assumeRole({ domain_name: agencyCustomer.name, agency_name: "other_platform" }, { domain: { name: agencyCustomer.name } })), 404, "IAM.0004");
    const noAgency = sb.data.customers.find((c) => !c.agency);
    if (noAgency) {
      const n = noAgency.info.account_name;
      expectError(await tokens(assumeRole({ domain_name: n, agency_name: sb.xaccountType }, { domain: { name: n } })), 404, "IAM.0004");
    }
    expectError(await tokens({ auth: { identity: { methods: ["password"] } } }), 400, "IAM.0011");
    expectError(await tokens(assumeRole({ domain_name: agencyCustomer.name, agency_name: sb.xaccountType }, { domain: { name: agencyCustomer.name } }), "none"), 401, "IAM.0001");
  });

  it("customer-only operations refuse partner AK/SK; partner-only operations refuse customer tokens (403 CBC.0155)", async () => {
    const token = await customerToken(sb, agencyCustomer.name);
    expectError(await op(sb, "RenewalResources", { resource_ids: ["x"], period_type: 2, period_num: 1 }), 403, "CBC.0155");
    expectError(await op(sb, "PayOrders", { order_id: "CS1", use_coupon: "NO", use_discount: "NO" }), 403, "CBC.0155");
    expectError(await op(sb, "ListRenewRateOnPeriod", { resource_ids: ["x"], period_type: 2, period_num: 1 }), 403, "CBC.0155");
    expectError(await op(sb, "AutoRenewalResources", {}, { pathParams: { resource_id: "x" } }), 403, "CBC.0155");
    expectError(await op(sb, "ListSubCustomers", {}, { auth: { token } }), 403, "CBC.0155");
    expectError(await op(sb, "ShowRealnameAuthenticationReviewResult", { customer_id: agencyCustomer.id }, { auth: { token } }), 403, "CBC.0155");
    // "either" operations accept both; a customer sees its own resources whatever customer_id says.
    const own = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { limit: 500 }, { auth: { token } }));
    const other = sb.data.customers.find((c) => c.info.customer_id !== agencyCustomer.id)!.info.customer_id;
    const ignored = expectOk("ListPayPerUseCustomerResources", await op(sb, "ListPayPerUseCustomerResources", { customer_id: other, limit: 500 }, { auth: { token } }));
    expect(ignored).toEqual(own);
    expect((own["data"] as { resource_id: string }[]).map((r) => r.resource_id)).toEqual(sb.data.resources(agencyCustomer.id).map((r) => r.resource_id));
  });

  it("an unknown or expired token → 401 CBC.0154", async () => {
    expectError(await op(sb, "ListCustomerOrders", {}, { auth: { token: "MIIforged" } }), 401, "CBC.0154");
    const token = await customerToken(sb, agencyCustomer.name);
    expectOk("ListCustomerOrders", await op(sb, "ListCustomerOrders", {}, { auth: { token } }));
    sb.control.setClock(() => Date.now() + 3601_000);
    try {
      expectError(await op(sb, "ListCustomerOrders", {}, { auth: { token } }), 401, "CBC.0154");
    } finally {
      sb.control.setClock(Date.now);
    }
  });
});
