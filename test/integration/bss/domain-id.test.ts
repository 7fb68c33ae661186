/**
 * Issue 12.4: with AK/SK the client sends X-Domain-Id on the global services (BSS, IAM) and, when no
 * domain id is configured, looks it up once (GET /v3/auth/domains, KeystoneListAuthDomains — sent
 * without it), caches it, and shares one lookup between concurrent calls. The sandbox refuses an
 * AK/SK request without it.
 */
import { afterEach, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { createBssClient } from "../../../shared/bss/index.ts";
import { signRequest } from "../../../shared/signing/index.ts";
import { AK, SK, caught, clientHarness, reply } from "./helpers.ts";

const setup = clientHarness();
const DOMAIN = "f0e1d2c3b4a5968778695a4b3c2d1e0f";

const domainsBody = { domains: [{ enabled: true, id: DOMAIN, name: "partner", description: "", links: { self: "x" } }], links: { self: "x" } };

describe("X-Domain-Id lookup", () => {
  it("looks the domain id up once, shares it between concurrent calls, and signs every BSS and IAM call with it", async () => {
    const { client, server } = await setup(
      (req, res) => {
        if (req.path === "/v3/auth/domains") return reply(res, 200, domainsBody);
        if (req.path === "/v3/auth/tokens") return reply(res, 201, { token: { expires_at: "2099-01-01T00:00:00.000000Z" } }, { "X-Subject-Token": "MIItok" });
        reply(res, 200, { count: 0, customer_infos: [] });
      },
      { credentials: { ak: AK, sk: SK } },
    );
    await Promise.all([client.listSubCustomers(), client.listSubCustomers(), client.listSubCustomers()]);
    await client.listSubCustomers();
    await client.renewRate({ id: "c1" }, { resource_ids: ["r"], period_type: 2, period_num: 1 });
    const lookups = server.seen.filter((s) => s.path === "/v3/auth/domains");
    expect(lookups).toHaveLength(1);
    expect(client.domainLookups).toBe(1);
    expect(lookups[0]!.headers["x-domain-id"]).toBeUndefined();
    expect(lookups[0]!.signature.ok).toBe(true);
    const signed = server.seen.filter((s) => s.path !== "/v3/auth/domains" && s.headers["authorization"] !== undefined);
    expect(signed.length).toBe(5); // 4 partner reads + 1 IAM token exchange
    for (const s of signed) {
      expect(s.headers["x-domain-id"], s.path).toBe(DOMAIN);
      expect(s.signature.ok, s.path).toBe(true);
    }
    // The customer call carries the customer token, not the partner's domain id.
    const customerCall = server.seen.find((s) => s.headers["x-auth-token"] === "MIItok")!;
    expect(customerCall.headers["x-domain-id"]).toBeUndefined();
  });

  it("a configured domain id means no lookup; a token means no domain id at all", async () => {
    const a = await setup((_req, res) => reply(res, 200, { count: 0 }), { credentials: { ak: AK, sk: SK, domainId: DOMAIN } });
    await a.client.listSubCustomers();
    expect(a.server.seen.map((s) => s.path)).toEqual(["/v2/partners/sub-customers/query"]);
    expect(a.server.seen[0]!.headers["x-domain-id"]).toBe(DOMAIN);
    const b = await setup((_req, res) => reply(res, 200, { count: 0 }), { credentials: { token: "partner-token" } });
    await b.client.listSubCustomers();
    expect(b.server.seen.map((s) => [s.path, s.headers["x-domain-id"]])).toEqual([["/v2/partners/sub-customers/query", undefined]]);
  });

  it("a failed lookup is not cached: the call fails clearly and the next call looks up again", async () => {
    let failLookup = true;
    const { client, server } = await setup(
      (req, res) => {
        if (req.path === "/v3/auth/domains") return failLookup ? reply(res, 200, { domains: [] }) : reply(res, 200, domainsBody);
        reply(res, 200, { count: 0 });
      },
      { credentials: { ak: AK, sk: SK } },
    );
    const err = await caught(client.listSubCustomers());
    expect(err.operation).toBe("KeystoneListAuthDomains");
    expect(err.kind).toBe("invalid-response");
    expect(server.seen.filter((s) => s.path.startsWith("/v2/"))).toHaveLength(0);
    failLookup = false;
    await client.listSubCustomers();
    expect(server.seen.filter((s) => s.path === "/v3/auth/domains")).toHaveLength(2);
    expect(server.seen.at(-1)!.headers["x-domain-id"]).toBe(DOMAIN);
  });
});

describe("the sandbox requires X-Domain-Id with AK/SK", () => {
  let sb: Sandbox | undefined;
  afterEach(async () => {
    await sb?.close();
    sb = undefined;
  });

  it("refuses an AK/SK call without it, serves the lookup without it, and the client (no domain id configured) works", async () => {
    sb = await startSandbox({ seed: 3, customers: 3, resourcesPerCustomer: 2, now: new Date("2026-03-01T00:00:00Z") });
    // Correctly signed, but without X-Domain-Id.
    const url = `${sb.url}/v2/partners/sub-customers/query`;
    const signed = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json" }, body: "{}" }, sb.credentials);
    delete signed.headers["host"];
    const refused = await fetch(url, { method: "POST", headers: signed.headers, body: "{}" });
    expect(refused.status).toBe(401);
    const body = (await refused.json()) as { error_code: string; error_msg: string };
    expect(body.error_code).toBe("APIG.0301");
    expect(body.error_msg).toContain("X-Domain-Id");
    const client = createBssClient({ endpoint: sb.url, iamEndpoint: sb.url, credentials: sb.credentials, agencyName: sb.xaccountType });
    const res = await client.listSubCustomers();
    expect(res.count).toBe(3);
    expect(client.domainLookups).toBe(1);
    expect(sb.stats.requests["KeystoneListAuthDomains"]).toBe(1);
  });
});
