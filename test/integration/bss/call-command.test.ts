import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../local/cli.ts";
import { AK, SK, reply, startServer } from "./helpers.ts";
import type { Handler, TestServer } from "./helpers.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function run(argv: string[], env: Record<string, string>, stdin = "") {
  const out = new PassThrough();
  const err = new PassThrough();
  const input = new PassThrough();
  input.end(stdin);
  let stdout = "";
  let stderr = "";
  out.on("data", (c: Buffer) => (stdout += c.toString()));
  err.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await main(["call", ...argv], { stdin: input, stdout: out, stderr: err, env });
  return { code, stdout, stderr };
}

async function serve(handler: Handler) {
  server = await startServer(handler);
  return { server, env: { HWC_ENDPOINT: server.url, HWC_AK: AK, HWC_SK: SK, HWC_DOMAIN_ID: "0a1b2c3d" } };
}

describe("partner-ops call", () => {
  it("POSTs a signed JSON body and prints the answer as pretty JSON", async () => {
    const { server, env } = await serve((_s, res) => reply(res, 200, { count: 1, customer_infos: [{ customer_id: "c1", account_name: "a" }] }));
    const r = await run(["POST", "/v2/partners/sub-customers/query", "--data", '{"limit":5}'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(JSON.stringify({ count: 1, customer_infos: [{ customer_id: "c1", account_name: "a" }] }, null, 2) + "\n");
    const s = server.seen[0]!;
    expect(s.signature).toMatchObject({ ok: true, ak: AK });
    expect([s.method, s.path, s.body]).toEqual(["POST", "/v2/partners/sub-customers/query", '{"limit":5}']);
  });

  it("sends repeated --query values strictly encoded, with GET, and reads --data from stdin for writes", async () => {
    const { server, env } = await serve((s, res) => (s.method === "GET" ? reply(res, 200, { total_count: 0, order_infos: [] }) : reply(res, 204)));
    const r1 = await run(["get", "/v2/orders/customer-orders", "--query", "customer_id=a b+c", "--query=status=6", "-q", "status=5"], env);
    expect(r1.code).toBe(0);
    const s = server.seen[0]!;
    expect(s.signature.ok).toBe(true);
    expect(s.query.get("customer_id")).toBe("a b+c");
    expect(s.query.getAll("status")).toEqual(["6", "5"]);
    const r2 = await run(["PUT", "/v2/orders/customer-orders/cancel", "--data", "-"], env, '{"order_id":"o1"}');
    expect([r2.code, r2.stdout]).toEqual([0, ""]);
    expect(server.seen[1]!.json).toEqual({ order_id: "o1" });
  });

  it("prints `error <status> <code>: <message>` and exits 1 on an API error", async () => {
    const { env } = await serve((_s, res) => reply(res, 400, { error_code: "CBC.0100", error_msg: "parameter error" }));
    const r = await run(["POST", "/v2/partners/sub-customers/query", "--data", "{}"], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("error 400 CBC.0100: parameter error\n");
    expect(r.stdout).toBe("");
  });

  it("reports a business failure inside a 200 body", async () => {
    const { env } = await serve((_s, res) => reply(res, 200, { order_ids: [], fail_resource_infos: [{ error_code: "CBC.30010036", error_msg: "not main", resource_id: "r" }] }));
    const r = await run(["POST", "/v2/orders/subscriptions/resources/renew", "--data", '{"resource_ids":["r"],"period_type":2,"period_num":1}'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error 200 CBC\.30010036: 1 item failed/);
  });

  it("does not resend a POST answered 500 and says the outcome is ambiguous", async () => {
    const { server, env } = await serve((_s, res) => reply(res, 500, { error_code: "CBC.0999", error_msg: "internal" }));
    const r = await run(["POST", "/v3/orders/customer-orders/pay", "--data", '{"order_id":"o"}'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error 500 CBC\.0999: internal/);
    expect(r.stderr).toMatch(/may have been executed/);
    expect(server.seen.length).toBe(1);
  });

  it("acts as a customer with --customer-token-for", async () => {
    const { server, env } = await serve((s, res) => {
      if (s.path === "/v3/auth/tokens") return reply(res, 201, { token: { expires_at: "2099-01-01T00:00:00.000000Z" } }, { "X-Subject-Token": "cust-tok" });
      reply(res, 200, { renew_inquiry_results: [] });
    });
    const r = await run(
      ["POST", "/v2/bills/ratings/period-resources/renew-rate", "--data", '{"resource_ids":["r"],"period_type":2,"period_num":1}', "--customer-token-for", "cust-1"],
      { ...env, HWC_IAM_ENDPOINT: server.url, HWC_AGENCY_NAME: "op_svc_x" },
    );
    expect(r.code).toBe(0);
    expect(server.seen[0]!.signature.ok).toBe(true);
    expect(server.seen[0]!.json).toMatchObject({ auth: { identity: { assume_role: { domain_id: "cust-1", agency_name: "op_svc_x" } } } });
    expect(server.seen[1]!.headers["x-auth-token"]).toBe("cust-tok");
    expect(r.stdout + r.stderr).not.toContain("cust-tok");
  });

  it("uses HWC_AUTH_TOKEN instead of AK/SK", async () => {
    const { server } = await serve((_s, res) => reply(res, 200, {}));
    const r = await run(["GET", "/v2/customers/realname-auths/result", "-q", "customer_id=c"], { HWC_ENDPOINT: server!.url, HWC_AUTH_TOKEN: "partner-tok" });
    expect(r.code).toBe(0);
    expect(server!.seen[0]!.headers["x-auth-token"]).toBe("partner-tok");
  });

  it("explains usage mistakes with exit code 2 and never echoes secrets", async () => {
    const env = { HWC_ENDPOINT: "http://127.0.0.1:9", HWC_AK: AK, HWC_SK: SK, HWC_DOMAIN_ID: "0a1b2c3d" };
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[], env, /METHOD and PATH are required/],
      [["PATCH", "/v2/x"], env, /METHOD must be one of/],
      [["GET", "v2/x"], env, /path must start with \//],
      [["GET", "/v2/x?a=1"], env, /must not contain \?/],
      [["GET", "/v2/x", "--query", "novalue"], env, /--query expects k=v/],
      [["POST", "/v2/x", "--data", "{bad"], env, /not valid JSON/],
      [["GET", "/v2/x", "--data", "{}"], env, /GET takes no --data/],
      [["GET", "/v2/x", "--bogus"], env, /unknown option "--bogus"/],
      [["GET", "/v2/x"], { HWC_AK: AK }, /HWC_SK/],
      [["GET", "/v2/x"], {}, /HWC_AK and HWC_SK, or HWC_AUTH_TOKEN/],
      [["GET", "/v2/x"], { ...env, HWC_ENDPOINT: "mars" }, /HWC_ENDPOINT/],
      [["GET", "/v2/x", "--customer-token-for", "c"], env, /HWC_AGENCY_NAME/],
    ];
    for (const [argv, e, re] of cases) {
      const r = await run(argv, e);
      expect([argv, r.code]).toEqual([argv, 2]);
      expect(r.stderr).toMatch(re);
      expect(r.stderr).not.toContain(SK);
    }
  });

  it("reports a network failure on a GET after retrying", async () => {
    const { closedPort } = await import("./helpers.ts");
    const port = await closedPort();
    const r = await run(["GET", "/v2/x", "--timeout", "500"], { HWC_ENDPOINT: `http://127.0.0.1:${port}`, HWC_AK: AK, HWC_SK: SK, HWC_DOMAIN_ID: "0a1b2c3d" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error - LOCAL\.NETWORK: .*ECONNREFUSED/);
  });
});

describe("partner-ops call: effect from the catalogue", () => {
  it("knows catalogued reads and writes by METHOD + PATH", async () => {
    const { effectOf } = await import("../../../local/commands/call.ts");
    expect(effectOf("POST", "/v2/partners/sub-customers/query")).toEqual({ effect: "read", operation: "ListSubCustomers" });
    expect(effectOf("POST", "/v2/orders/subscriptions/resources/renew")).toEqual({ effect: "write", operation: "RenewalResources" });
    expect(effectOf("DELETE", "/v2/orders/subscriptions/resources/autorenew/abc%20d")).toEqual({ effect: "idempotent-write", operation: "CancelAutoRenewalResources" });
    expect(effectOf("GET", "/v2/unknown")).toEqual({ effect: "read" });
    expect(effectOf("POST", "/v2/unknown")).toEqual({ effect: "write" });
    expect(effectOf("POST", "/v2/partners/sub-customers/queryX")).toEqual({ effect: "write" });
  });

  it("retries a catalogued POST read answered 503", async () => {
    const { server, env } = await serve((s, res) => (s.n === 1 ? reply(res, 503, {}) : reply(res, 200, { count: 0, customer_infos: [] })));
    const r = await run(["POST", "/v2/partners/sub-customers/query", "--data", "{}"], env);
    expect(r.code).toBe(0);
    expect(server.seen.length).toBe(2);
  });
});

describe("partner-ops call against the BSS sandbox", () => {
  it("works with the environment sandboxEnv() prints, including a customer token", async () => {
    const { startSandbox, sandboxEnv } = await import("../../../local/sandbox/index.ts");
    const sb = await startSandbox({ seed: 7, customers: 3, resourcesPerCustomer: 2 });
    try {
      const env = sandboxEnv(sb);
      const r1 = await run(["POST", "/v2/partners/sub-customers/query", "--data", '{"limit":10}'], env);
      expect(r1.code).toBe(0);
      expect((JSON.parse(r1.stdout) as { count: number }).count).toBe(3);
      const withAgency = sb.data.customers.find((c) => c.agency)!.info.customer_id;
      const r2 = await run(["POST", "/v2/orders/suscriptions/resources/query", "--data", "{}", "--customer-token-for", withAgency], env);
      expect([r2.code, r2.stderr]).toEqual([0, ""]);
      expect((JSON.parse(r2.stdout) as { total_count: number }).total_count).toBe(sb.data.resources(withAgency).length);
      expect(r1.stdout + r1.stderr + r2.stdout + r2.stderr).not.toContain(sb.credentials.sk);
    } finally {
      await sb.close();
    }
  });
});
