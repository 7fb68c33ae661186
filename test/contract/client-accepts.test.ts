/**
 * Contract direction (c): the client accepts every response the contract allows — optional fields
 * absent, unknown extra fields present, enum values the SDK does not document — generated from
 * the contract itself (arbitrary.ts), never from the client's schemas. "Accepts" = the call
 * resolves, or fails as a `business` error when the generated body reports per-item failures;
 * never `invalid-response`.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createBssClient, isBssError, type BssClient, type OperationName } from "../../shared/bss/index.ts";
import { operations } from "../../shared/bss/operations.ts";
import { arbitraryOf } from "./arbitrary.ts";
import { operation, responseBodyOf, type Site } from "./schema.ts";

const CUSTOMER = { id: "0123456789abcdef0123456789abcdef" };

/** One valid request per client operation (the client's own input space is exercised in client-requests.test.ts). */
const samples: Record<string, { request: Record<string, unknown>; customer?: boolean; pathParams?: Record<string, string> }> = {
  ListSubCustomers: { request: {} },
  ListPayPerUseCustomerResources: { request: { customer_id: CUSTOMER.id } },
  ListRenewRateOnPeriod: { request: { resource_ids: ["r-1"], period_type: 2, period_num: 1 }, customer: true },
  RenewalResources: { request: { resource_ids: ["r-1"], period_type: 2, period_num: 1 }, customer: true },
  AutoRenewalResources: { request: {}, customer: true, pathParams: { resource_id: "r-1" } },
  CancelAutoRenewalResources: { request: {}, customer: true, pathParams: { resource_id: "r-1" } },
  PayOrders: { request: { order_id: "CS2601010000ABCDE", use_coupon: "NO", use_discount: "NO" }, customer: true },
  ListOrderDiscounts: { request: { order_id: "CS2601010000ABCDE" }, customer: true },
  ListCustomerOrders: { request: {} },
  CreateEnterpriseRealnameAuthentication: {
    request: { customer_id: CUSTOMER.id, identify_type: 1, verified_file_url: ["rn/a.jpg"], corp_name: "Acme", verified_number: "91110000X", xaccount_type: "xa" },
  },
  ChangeEnterpriseRealnameAuthentication: {
    request: { customer_id: CUSTOMER.id, identify_type: 1, verified_file_url: ["rn/a.jpg"], corp_name: "Acme", verified_number: "91110000X", xaccount_type: "xa", change_type: 1 },
  },
  CreatePersonalRealnameAuth: {
    request: { customer_id: CUSTOMER.id, identify_type: 0, verified_type: 3, verified_file_url: ["rn/a.jpg", "rn/b.jpg", "rn/c.jpg"], name: "Li", verified_number: "E1234", xaccount_type: "xa" },
  },
  ShowRealnameAuthenticationReviewResult: { request: { customer_id: CUSTOMER.id } },
  ListServiceTypes: { request: {} },
  ListResourceTypes: { request: {} },
  ListIncentiveDiscountPolicies: { request: { time: "2026-01" } },
};

const IAM_TOKEN_BODY = JSON.stringify({ token: { expires_at: "2099-01-01T00:00:00.000000Z", issued_at: "2026-01-01T00:00:00.000000Z", methods: ["assume_role"] } });

function clientAnswering(status: number, body: () => unknown): BssClient {
  return createBssClient({
    endpoint: "http://bss.test",
    iamEndpoint: "http://iam.test",
    credentials: { ak: "AKTEST", sk: "SKTEST", domainId: "partnerdomain" },
    agencyName: "xa",
    maxAttempts: 1,
    rate: 1_000_000,
    fetch: async (url) => {
      const path = new URL(url).pathname;
      if (path === "/v3/auth/tokens") return new Response(IAM_TOKEN_BODY, { status: 201, headers: { "X-Subject-Token": "MIItoken", "Content-Type": "application/json" } });
      if (status === 204) return new Response(null, { status });
      return new Response(JSON.stringify(body()), { status, headers: { "Content-Type": "application/json" } });
    },
  });
}

const counts: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`contract (c) client accepts contract responses: ${total} generated responses`, counts);
});

const names = Object.keys(operations) as OperationName[];

describe("(c) the client accepts every response the contract allows", () => {
  it("has a sample request for every client operation", () => {
    for (const n of names) expect(samples[n], n).toBeDefined();
  });

  for (const name of names) {
    const op = operation(name);
    for (const site of op.sites as Site[]) {
      it(`${name} (${site})`, async () => {
        const sample = samples[name]!;
        const node = responseBodyOf(op, site);
        const arb = node ? arbitraryOf(node, { extraFields: true, undocumentedEnums: true, maxArray: 3 }) : fc.constant(undefined);
        await fc.assert(
          fc.asyncProperty(arb, async (body) => {
            counts[`${name}/${site}`] = (counts[`${name}/${site}`] ?? 0) + 1;
            const client = clientAnswering(op.response.status, () => body);
            try {
              await client.call(name, sample.request as never, {
                ...(sample.customer ? { customer: CUSTOMER } : {}),
                ...(sample.pathParams ? { pathParams: sample.pathParams } : {}),
              });
            } catch (err) {
              if (isBssError(err) && err.kind === "business") return; // a reported per-item failure is an answer, not a rejection
              throw err;
            }
          }),
          { numRuns: 60, seed: 12 },
        );
      });
    }
  }
});
