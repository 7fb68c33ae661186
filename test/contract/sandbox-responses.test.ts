/**
 * Contract direction (b): every response the sandbox can produce validates against the contract —
 * success bodies against the operation's response schema with no field the contract lacks (the
 * sandbox must not invent fields), failures against the contract's error body. Property-based over
 * the sandbox's generator (seed, customers, resources per customer), site (cn/intl), injected
 * faults (error, throttle, ambiguous) and paging (random limit/offset), with requests that follow a
 * realistic flow (tokens, renew, pay, auto-renew, real-name, review polls) plus contract-generated
 * requests for every operation. Raw signed HTTP (not the client).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../local/sandbox/index.ts";
import { arbitraryOf } from "./arbitrary.ts";
import { raw, type Answer, type Auth } from "./http.ts";
import { contract, errorBodyValidator, operation, requestOf, responseValidator, type Site } from "./schema.ts";

const FIXED_NOW = new Date("2026-03-01T02:00:00Z");

const counts: Record<string, number> = {};
const mismatches: string[] = [];

function check(name: string, site: Site, a: Answer | undefined): Answer | undefined {
  if (!a) return a;
  const key = `${name}/${a.status < 300 ? "ok" : "error"}`;
  counts[key] = (counts[key] ?? 0) + 1;
  const v = a.status < 300 ? responseValidator(name, site, true)(a.body) : errorBodyValidator()(a.body);
  if (!v.ok) mismatches.push(`${name} (${site}) HTTP ${a.status}: ${v.errors} — body ${JSON.stringify(a.body).slice(0, 300)}`);
  if (a.status < 300) expect(a.status, `${name}: contract status`).toBe(operation(name).response.status);
  return a;
}

async function call(sb: Sandbox, site: Site, name: string, params: Record<string, unknown>, o: { auth?: Auth; pathParams?: Record<string, string> } = {}): Promise<Answer | undefined> {
  const op = operation(name);
  let path = op.path;
  for (const [k, v] of Object.entries(o.pathParams ?? {})) path = path.replace(`{${k}}`, encodeURIComponent(v));
  const hasBody = !!requestOf(op, site).body;
  const query = hasBody ? undefined : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
  return check(name, site, await raw(sb, op.method, path, { ...(hasBody ? { body: params } : { query: query! }), ...(o.auth ? { auth: o.auth } : {}) }));
}

async function customerToken(sb: Sandbox, site: Site, customerId: string): Promise<string | undefined> {
  const a = check(
    "KeystoneCreateAgencyToken",
    site,
    await raw(sb, "POST", "/v3/auth/tokens", {
      body: { auth: { identity: { methods: ["assume_role"], assume_role: { domain_id: customerId, agency_name: sb.xaccountType } }, scope: { domain: { id: customerId } } } },
    }),
  );
  return a?.status === 201 ? (a.headers.get("x-subject-token") ?? undefined) : undefined;
}

const paging = fc.record({ offset: fc.integer({ min: 0, max: 30 }), limit: fc.integer({ min: 1, max: 40 }) }, { requiredKeys: [] });

const scenario = fc.record({
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  customers: fc.integer({ min: 0, max: 8 }),
  resources: fc.integer({ min: 0, max: 8 }),
  site: fc.constantFrom<Site>("cn", "intl"),
  faults: fc.option(
    fc.record({ errorRate: fc.constantFrom(0, 0.1), throttleRate: fc.constantFrom(0, 0.1), ambiguousRate: fc.constantFrom(0, 0.3) }),
    { nil: undefined },
  ),
  pages: fc.array(paging, { minLength: 3, maxLength: 3 }),
  picks: fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
  lang: fc.constantFrom("zh_CN", "en_US"),
});

/** Contract-generated requests (random fields, documented enums) for the operations the sandbox serves. */
const served = ["ListSubCustomers", "ListPayPerUseCustomerResources", "ListCustomerOrders", "ListServiceTypes", "ListResourceTypes", "ListIncentiveDiscountPolicies", "ShowRealnameAuthenticationReviewResult", "CreatePersonalRealnameAuth", "CreateEnterpriseRealnameAuthentication", "ChangeEnterpriseRealnameAuthentication"];

function generatedRequest(name: string, site: Site): fc.Arbitrary<Record<string, unknown>> {
  const req = requestOf(operation(name), site);
  if (req.body) return arbitraryOf(req.body, { extraFields: false, undocumentedEnums: false, maxArray: 3 }) as fc.Arbitrary<Record<string, unknown>>;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [k, v] of Object.entries(req.query)) model[k] = arbitraryOf(v, { extraFields: false, undocumentedEnums: false, maxArray: 3 });
  const required = Object.entries(req.query).filter(([, v]) => v.required === true).map(([k]) => k);
  return fc.record(model, { requiredKeys: required });
}

afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`contract (b) sandbox responses checked: ${total}`, counts);
});

describe("(b) every sandbox response validates against the contract", () => {
  it("realistic flows over seeds, sizes, sites, faults and paging", async () => {
    mismatches.length = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const sb = await startSandbox({ seed: s.seed, customers: s.customers, resourcesPerCustomer: s.resources, now: FIXED_NOW, site: s.site, ratePerSecond: 100_000, ...(s.faults ? { faults: s.faults } : {}) });
        try {
          const site = s.site;
          const pick = <T,>(list: readonly T[], i: number): T | undefined => (list.length === 0 ? undefined : list[s.picks[i]! % list.length]);
          await call(sb, site, "ListSubCustomers", s.pages[0]!);
          await call(sb, site, "ListServiceTypes", s.pages[1]!);
          await call(sb, site, "ListResourceTypes", s.pages[2]!);
          if (site === "cn") await call(sb, site, "ListIncentiveDiscountPolicies", { time: "2026-02", ...s.pages[0]! });
          const customer = pick(sb.data.customers, 0);
          if (!customer) return;
          const cid = customer.info.customer_id;
          await call(sb, site, "ListPayPerUseCustomerResources", { customer_id: cid, ...s.pages[1]! });
          await call(sb, site, "ShowRealnameAuthenticationReviewResult", { customer_id: cid });
          // Real-name: an enterprise application (accepted or refused, both answers are checked), then polls.
          await call(sb, site, "CreateEnterpriseRealnameAuthentication", {
            customer_id: cid, identify_type: 1, verified_file_url: ["rn/licence.jpg"], corp_name: "Acme 有限公司", verified_number: "91110000MA0000000X", xaccount_type: sb.xaccountType,
          });
          for (let i = 0; i < 3; i++) await call(sb, site, "ShowRealnameAuthenticationReviewResult", { customer_id: cid });
          const token = customer.agency ? await customerToken(sb, site, cid) : undefined;
          if (!token) return;
          const auth = { token };
          const mains = sb.data.resources(cid).filter((r) => r.is_main_resource === 1);
          const main = pick(mains, 1);
          await call(sb, site, "ListPayPerUseCustomerResources", { ...s.pages[2]! }, { auth });
          if (!main) return;
          await call(sb, site, "ListRenewRateOnPeriod", { resource_ids: [main.resource_id], period_type: 2, period_num: 1, include_relative_resources: true }, { auth });
          await call(sb, site, "AutoRenewalResources", { auto_renew_times: 1 }, { auth, pathParams: { resource_id: main.resource_id } });
          await call(sb, site, "CancelAutoRenewalResources", {}, { auth, pathParams: { resource_id: main.resource_id } });
          const renew = await call(sb, site, "RenewalResources", { resource_ids: [main.resource_id], period_type: 2, period_num: 1 }, { auth });
          const orderId = (renew?.body as { order_ids?: string[] } | undefined)?.order_ids?.[0];
          await call(sb, site, "ListCustomerOrders", { customer_id: cid, ...s.pages[0]! });
          if (orderId) {
            await call(sb, site, "ListCustomerOrders", { order_id: orderId }, { auth });
            const listed = await call(sb, site, "ListOrderDiscounts", { order_id: orderId }, { auth });
            const d = (listed?.body as { discounts?: { discount_id: string; discount_type: number }[] } | undefined)?.discounts?.[s.picks[2]! % 3];
            await call(sb, site, "PayOrders", d ? { order_id: orderId, use_coupon: "NO", use_discount: "YES", discount_infos: [{ id: d.discount_id, type: d.discount_type }] } : { order_id: orderId, use_coupon: "NO", use_discount: "NO" }, { auth });
            await call(sb, site, "ListCustomerOrders", { customer_id: cid, status: 5 });
          }
        } finally {
          await sb.close();
        }
      }),
      { numRuns: 25, seed: 2026 },
    );
    expect(mismatches.slice(0, 10)).toEqual([]);
  });

  for (const site of ["cn", "intl"] as const) {
    it(`contract-generated requests for every served operation (${site})`, async () => {
      mismatches.length = 0;
      const sb = await startSandbox({ seed: 5, customers: 6, resourcesPerCustomer: 6, now: FIXED_NOW, site, ratePerSecond: 100_000 });
      try {
        for (const name of served) {
          if (!contract.operations[name]!.sites.includes(site)) continue;
          await fc.assert(
            fc.asyncProperty(generatedRequest(name, site), async (params) => {
              await call(sb, site, name, params);
            }),
            { numRuns: 25, seed: 7 },
          );
        }
      } finally {
        await sb.close();
      }
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  }
});
