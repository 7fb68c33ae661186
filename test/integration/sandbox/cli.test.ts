/** `partner-ops sandbox`: prints usable sandbox settings, serves until SIGTERM, validates arguments. */
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseSandboxArgs } from "../../../local/commands/sandbox.ts";
import { UsageError } from "../../../local/cli.ts";
import { signRequest } from "../../../shared/signing/index.ts";
import { listSubCustomersResponse } from "../../../shared/bss/schemas.ts";

const bin = fileURLToPath(new URL("../../../bin/partner-ops.js", import.meta.url));

describe("partner-ops sandbox", () => {
  it("prints HWC_ENDPOINT/HWC_AK/HWC_SK that work, and exits 0 on SIGTERM", async () => {
    const child = spawn(process.execPath, [bin, "sandbox", "--port", "0", "--customers", "4", "--seed", "9", "--latency", "1-3"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const env = await new Promise<Record<string, string>>((resolve, reject) => {
      const check = (): void => {
        if (/HWC_XACCOUNT_TYPE=.*\n/.test(out) && err.includes("listening")) {
          resolve(Object.fromEntries(out.trim().split("\n").map((l) => l.split("=", 2) as [string, string])));
        }
      };
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        check();
      });
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        check();
      });
      child.once("exit", (code) => reject(new Error(`exited early (${code}): ${err}`)));
    });
    expect(env["HWC_ENDPOINT"]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env["HWC_AK"]).toMatch(/^[A-Z0-9]{20}$/);
    expect(env["HWC_SK"]).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(err).toContain("sandbox-only");

    // Like Huawei's SDK: look the account id up at IAM (signed without it), then send it as X-Domain-Id.
    const domainsUrl = `${env["HWC_IAM_ENDPOINT"]}/v3/auth/domains`;
    const lookup = signRequest({ method: "GET", url: domainsUrl, headers: {} }, { ak: env["HWC_AK"]!, sk: env["HWC_SK"]! });
    const domains = (await (await fetch(domainsUrl, { headers: lookup.headers })).json()) as { domains: { id: string }[] };
    const domainId = domains.domains[0]!.id;
    const url = `${env["HWC_ENDPOINT"]}/v2/partners/sub-customers/query`;
    const signed = signRequest({ method: "POST", url, headers: { "Content-Type": "application/json" }, body: "{}" }, { ak: env["HWC_AK"]!, sk: env["HWC_SK"]!, domainId });
    const res = await fetch(url, { method: "POST", headers: signed.headers, body: "{}" });
    expect(res.status).toBe(200);
    expect(listSubCustomersResponse.parse(await res.json()).count).toBe(4);

    const code = await new Promise<number | null>((resolve) => {
      child.once("close", (c) => resolve(c));
      child.kill("SIGTERM");
    });
    expect(code).toBe(0);
    expect(err).toContain("stopped");
  });

  it("rejects bad arguments with a clear message and exit code 2", () => {
    const r = spawnSync(process.execPath, [bin, "sandbox", "--throttle-rate", "1.5"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--throttle-rate must be a number from 0 to 1");
  });

  it("parses every option", () => {
    expect(parseSandboxArgs(["--port", "8080", "--customers=200", "--resources", "20", "--seed", "abc", "--fault-rate", "0.1", "--throttle-rate", "0.05", "--latency", "10-50", "--timeout-rate", ".01"]).options).toEqual({
      port: 8080,
      customers: 200,
      resourcesPerCustomer: 20,
      seed: "abc",
      faults: { errorRate: 0.1, throttleRate: 0.05, latencyMs: [10, 50], timeoutRate: 0.01 },
    });
    expect(parseSandboxArgs(["--seed", "42"]).options.seed).toBe(42);
    for (const bad of [["--port", "70000"], ["--customers", "-1"], ["--latency", "50-10"], ["--seed"], ["--nope", "1"], ["extra"], ["--port", "1", "--port", "2"], ["--fault-rate", "0.6", "--timeout-rate", "0.6"]]) {
      expect(() => parseSandboxArgs(bad), bad.join(" ")).toThrow(UsageError);
    }
  });
});
