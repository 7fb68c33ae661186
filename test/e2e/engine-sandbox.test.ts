/** The BSS sandbox starts when no Huawei credentials are configured, and functions are pointed at it. */
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { startEngine } from "../../local/engine/engine.ts";

const serviceFile = resolve(import.meta.dirname, "../../serverless.yml");
const common = { serviceFile, inMemory: true, httpPort: 0, smtpPort: 0, logLevel: "SILENT" as const, triggers: false };

describe("BSS endpoint of the functions", () => {
  it("is the sandbox when HWC_AK/HWC_SK are not set", async () => {
    const engine = await startEngine({ ...common, env: { HWC_ENDPOINT: "https://should-not-leak.example" } });
    try {
      expect(engine.bss.mode).toBe("sandbox");
      const env = engine.functionEnv("health");
      expect(env["HWC_ENDPOINT"]).toBe(engine.urls.sandbox);
      expect(env["HWC_AK"]).toBeTruthy();
      expect(env["HWC_SK_REF"]).toBeUndefined(); // references exist only in AWS
      // The sandbox answers (signature checks are the sandbox's business; here: it is up).
      const res = await fetch(`${engine.urls.sandbox}/v2/partners/sub-customers/query`, { method: "POST", body: "{}" });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    } finally {
      await engine.close();
    }
  });

  it("gives the real-name functions the sandbox's site as HWC_SITE (cn by default, intl when the sandbox imitates it)", async () => {
    for (const site of [undefined, "intl"] as const) {
      const engine = await startEngine({ ...common, env: { HWC_SITE: "cn" }, ...(site ? { sandboxOptions: { site } } : {}) });
      try {
        expect(engine.bss.mode).toBe("sandbox");
        for (const fn of ["realname-api", "realname-submit", "realname-status"]) expect(engine.functionEnv(fn)["HWC_SITE"]).toBe(site ?? "cn");
      } finally {
        await engine.close();
      }
    }
  });

  it("is the real endpoint with the developer's credentials when they are set", async () => {
    const engine = await startEngine({ ...common, env: { HWC_AK: "AKREAL", HWC_SK: "SKREAL", HWC_ENDPOINT: "https://bss-intl.myhuaweicloud.com" } });
    try {
      expect(engine.bss).toEqual({ mode: "real", endpoint: "https://bss-intl.myhuaweicloud.com" });
      expect(engine.urls.sandbox).toBeUndefined();
      const env = engine.functionEnv("health");
      expect([env["HWC_AK"], env["HWC_SK"], env["HWC_ENDPOINT"]]).toEqual(["AKREAL", "SKREAL", "https://bss-intl.myhuaweicloud.com"]);
      expect(env["AWS_ENDPOINT_URL_SQS"]).toBe(engine.urls.fauxqs);
    } finally {
      await engine.close();
    }
  });
});
