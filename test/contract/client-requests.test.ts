/**
 * Contract direction (a): every request the client can build validates against the contract's
 * request schema — names, types, required fields, enums, ranges, and placement (method, path and
 * path parameters, query string, JSON body, no body where the contract has none).
 *
 * The client's input space is probed with inputs generated from the contract and then pushed past
 * it (unknown fields, undocumented enum values, values of the wrong type, customer refs of any
 * shape): whatever the client accepts is sent to a loopback server, captured and checked with Ajv.
 * What it refuses (LOCAL.VALIDATION, nothing sent) is counted. The agency-token request the client
 * sends to IAM for customer operations is checked the same way.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBssClient, isBssError, type BssClient, type OperationName } from "../../shared/bss/index.ts";
import { operations } from "../../shared/bss/operations.ts";
import { arbitraryOf } from "./arbitrary.ts";
import { operation, pathRegex, queryValidator, requestBodyValidator, requestOf, type Site, type Verdict } from "./schema.ts";

interface Captured {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  body: string;
  headers: http.IncomingHttpHeaders;
}

let server: http.Server;
let url = "";
const captured: Captured[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const u = new URL(req.url ?? "/", "http://127.0.0.1");
      const query: Record<string, string | string[]> = {};
      for (const [k, v] of u.searchParams) {
        const prev = query[k];
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      captured.push({ method: req.method ?? "", path: u.pathname, query, body: Buffer.concat(chunks).toString("utf8"), headers: req.headers });
      if (u.pathname === "/v3/auth/tokens") {
        res.writeHead(201, { "Content-Type": "application/json", "X-Subject-Token": "MIItoken" }).end(JSON.stringify({ token: { expires_at: "2099-01-01T00:00:00.000000Z" } }));
        return;
      }
      if (u.pathname === "/v3/auth/domains") {
        res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ domains: [{ id: "partnerdomain", name: "partner", enabled: true, description: "", links: { self: "" } }] }));
        return;
      }
      const name = Object.keys(operations).find((n) => pathRegex(operation(n)).test(u.pathname) && operation(n).method === req.method);
      const status = name ? operation(name).response.status : 404;
      if (status === 204) res.writeHead(204).end();
      else res.writeHead(status, { "Content-Type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

const counts: Record<string, { sent: number; refused: number }> = {};
afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
  const sent = Object.values(counts).reduce((a, c) => a + c.sent, 0);
  const refused = Object.values(counts).reduce((a, c) => a + c.refused, 0);
  console.log(`contract (a) client requests: ${sent + refused} generated inputs, ${sent} sent and validated, ${refused} refused locally`, counts);
});

function client(): BssClient {
  return createBssClient({ endpoint: url, iamEndpoint: url, credentials: { ak: "AKTEST", sk: "SKTEST", domainId: "partnerdomain" }, agencyName: "xa", maxAttempts: 1, rate: 1_000_000, iamRate: 1_000_000 });
}

/** A value of another JSON type than `v` (to push the input past the contract). */
const otherType = (v: unknown): fc.Arbitrary<unknown> =>
  typeof v === "string" ? fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)) : typeof v === "number" ? fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null)) : fc.oneof(fc.string({ maxLength: 4 }), fc.integer());

/** Contract-valid input, sometimes mutated: unknown field, undocumented enum value, or one field of the wrong type. */
function inputs(name: string, site: Site): fc.Arbitrary<Record<string, unknown>> {
  const req = requestOf(operation(name), site);
  const opts = (loose: boolean) => ({ extraFields: loose, undocumentedEnums: loose, maxArray: 4, plausible: true });
  const valid = (loose: boolean): fc.Arbitrary<Record<string, unknown>> => {
    if (req.body) return arbitraryOf(req.body, opts(loose)) as fc.Arbitrary<Record<string, unknown>>;
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [k, v] of Object.entries(req.query)) model[k] = arbitraryOf(v, opts(loose));
    return fc.record(model, { requiredKeys: Object.entries(req.query).filter(([, v]) => v.required === true).map(([k]) => k) });
  };
  const retyped = valid(false).chain((o) => {
    const keys = Object.keys(o);
    if (keys.length === 0) return fc.constant(o);
    return fc.constantFrom(...keys).chain((k) => otherType(o[k]).map((x) => ({ ...o, [k]: x })));
  });
  return fc.oneof({ arbitrary: valid(false), weight: 3 }, { arbitrary: valid(true), weight: 1 }, { arbitrary: retyped, weight: 1 });
}

const customerRef = fc.record({ id: fc.stringMatching(/^[0-9a-f]{32}$/), accountName: fc.option(fc.stringMatching(/^[a-z][a-z0-9-]{2,20}$/), { nil: undefined }) });
const pathValue = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 12 }));

/** Valid on at least one site the operation exists on (the client is not told its site when given a URL). */
function validOnSomeSite(name: string, check: (site: Site) => Verdict): Verdict {
  const verdicts = operation(name).sites.map((s) => check(s));
  return verdicts.find((v) => v.ok) ?? verdicts[0]!;
}

function checkCaptured(name: string, c: Captured, pathParams: Record<string, string>): void {
  const op = operation(name);
  expect(c.method, `${name}: method`).toBe(op.method);
  const m = pathRegex(op).exec(c.path);
  expect(m, `${name}: path ${c.path} matches ${op.path}`).not.toBeNull();
  const names = [...op.path.matchAll(/\{([a-z_]+)\}/g)].map((x) => x[1]!);
  names.forEach((p, i) => expect(decodeURIComponent(m![i + 1]!), `${name}: path parameter ${p}`).toBe(pathParams[p]));
  const q = validOnSomeSite(name, (s) => queryValidator(name, s)(c.query));
  expect(q.ok, `${name}: ${q.ok ? "" : q.errors} — query ${JSON.stringify(c.query)}`).toBe(true);
  const hasBody = operation(name).sites.some((s) => requestBodyValidator(name, s) !== undefined);
  if (!hasBody) {
    expect(c.body, `${name}: no body where the contract has none`).toBe("");
    return;
  }
  const body: unknown = c.body === "" ? undefined : JSON.parse(c.body);
  // AutoRenewalResources' body is optional in the contract (no required field); an empty object is the same request.
  const b = validOnSomeSite(name, (s) => requestBodyValidator(name, s)!(body ?? {}));
  expect(b.ok, `${name}: ${b.ok ? "" : b.errors} — body ${c.body.slice(0, 300)}`).toBe(true);
}

const names = Object.keys(operations) as OperationName[];

describe("(a) every request the client builds validates against the contract", () => {
  for (const name of names) {
    it(name, async () => {
      const op = operation(name);
      const caller = (operations as Record<string, { caller: string }>)[name]!.caller;
      const pathNames = [...op.path.matchAll(/\{([a-z_]+)\}/g)].map((x) => x[1]!);
      const site: Site = op.sites[0]!;
      counts[name] = { sent: 0, refused: 0 };
      const c = client();
      await fc.assert(
        fc.asyncProperty(inputs(name, site), customerRef, fc.array(pathValue, { minLength: pathNames.length, maxLength: pathNames.length }), async (input, customer, values) => {
          const pathParams = Object.fromEntries(pathNames.map((p, i) => [p, values[i]!]));
          const before = captured.length;
          try {
            await c.call(name, input as never, { ...(caller === "customer" ? { customer } : {}), ...(pathNames.length > 0 ? { pathParams } : {}) });
          } catch (err) {
            if (isBssError(err) && err.kind === "validation") {
              expect(captured.length, `${name}: nothing sent for a refused input`).toBe(before);
              counts[name]!.refused++;
              return;
            }
            throw err;
          }
          counts[name]!.sent++;
          const mine = captured.slice(before);
          const iam = mine.filter((x) => x.path === "/v3/auth/tokens");
          for (const t of iam) {
            const v = requestBodyValidator("KeystoneCreateAgencyToken", "cn")!(JSON.parse(t.body));
            expect(v.ok, `agency token request: ${v.ok ? "" : v.errors}`).toBe(true);
          }
          const bss = mine.filter((x) => !x.path.startsWith("/v3/auth/"));
          expect(bss, `${name}: one request sent`).toHaveLength(1);
          checkCaptured(name, bss[0]!, pathParams);
        }),
        { numRuns: 150, seed: 31 },
      );
      expect(counts[name]!.sent, `${name}: some generated inputs are accepted (the test is not vacuous)`).toBeGreaterThan(0);
    });
  }
});
