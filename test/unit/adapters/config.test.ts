import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseSecretRef, queueUrl } from "../../../shared/config/index.ts";

describe("loadConfig", () => {
  it("applies defaults on an empty environment", () => {
    const c = loadConfig({});
    expect(c.STAGE).toBe("local");
    expect(c.AWS_REGION).toBe("us-east-1");
    expect(c.S3_FORCE_PATH_STYLE).toBe(false);
    expect(c.IDEMPOTENCY_EXPIRES_SECONDS).toBe(86_400);
    expect(c.INBOUND_PREFIX).toBe("inbound/");
  });

  it("parses typed values", () => {
    const c = loadConfig({ S3_FORCE_PATH_STYLE: "true", IDEMPOTENCY_EXPIRES_SECONDS: "60", HWC_ENDPOINT: "http://127.0.0.1:9000" });
    expect(c.S3_FORCE_PATH_STYLE).toBe(true);
    expect(c.IDEMPOTENCY_EXPIRES_SECONDS).toBe(60);
    expect(c.HWC_ENDPOINT).toBe("http://127.0.0.1:9000");
  });

  it("names every missing or invalid variable in one error, without echoing values", () => {
    let err: ConfigError | undefined;
    try {
      loadConfig(
        { HWC_ENDPOINT: "not-a-url-s3cr3t", S3_FORCE_PATH_STYLE: "maybe", ORDERS_QUEUE_URL: "ftp://x" },
        { require: ["IDEMPOTENCY_TABLE", "LEDGER_TABLE"], secrets: ["HWC_SK"] },
      );
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const vars = err!.issues.map((i) => i.variable).sort();
    expect(vars).toEqual(["HWC_ENDPOINT", "HWC_SK", "IDEMPOTENCY_TABLE", "LEDGER_TABLE", "ORDERS_QUEUE_URL", "S3_FORCE_PATH_STYLE"]);
    expect(err!.message).toContain("IDEMPOTENCY_TABLE: required");
    expect(err!.message).not.toContain("s3cr3t");
  });

  it("treats empty strings as unset", () => {
    expect(() => loadConfig({ LEDGER_TABLE: "" }, { require: ["LEDGER_TABLE"] })).toThrow(/LEDGER_TABLE/);
  });

  it("collects *_QUEUE_URL variables", () => {
    const c = loadConfig({ NOTIFY_QUEUE_URL: "http://127.0.0.1:1/000000000000/notify", NOT_A_QUEUE: "x" });
    expect(c.queueUrls).toEqual({ NOTIFY_QUEUE_URL: "http://127.0.0.1:1/000000000000/notify" });
    expect(queueUrl(c, "NOTIFY_QUEUE_URL")).toContain("/notify");
    expect(() => queueUrl(c, "OTHER_QUEUE_URL")).toThrow(ConfigError);
  });

  it("refuses a plain WEBHOOK_SECRET with an entry shorter than 16 characters, naming the variable, never the value", () => {
    for (const bad of ["short", "long-enough-secret-0123,tiny", "tiny , long-enough-secret-0123", " , "]) {
      let err: unknown;
      try {
        loadConfig({ WEBHOOK_SECRET: bad }, { secrets: ["WEBHOOK_SECRET"] });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues).toEqual([{ variable: "WEBHOOK_SECRET", problem: expect.stringMatching(/at least 16 characters|holds no secret/) }]);
      for (const part of bad.split(",").map((x) => x.trim()).filter(Boolean)) expect((err as Error).message).not.toContain(part);
    }
    expect(() => loadConfig({ WEBHOOK_SECRET: "new-secret-0123456789,old-secret-0123456789" }, { secrets: ["WEBHOOK_SECRET"] })).not.toThrow();
    expect(() => loadConfig({ WEBHOOK_SECRET_REF: "ssm:/p/webhook" }, { secrets: ["WEBHOOK_SECRET"] })).not.toThrow();
  });

  it("accepts a secret either plain (local) or as a reference (AWS)", async () => {
    const local = loadConfig({ HWC_SK: "plain-value" }, { secrets: ["HWC_SK"] });
    expect(await local.secrets.get("HWC_SK")).toBe("plain-value");
    expect(() => loadConfig({ HWC_SK_REF: "ssm:/p/hwc/sk" }, { secrets: ["HWC_SK"] })).not.toThrow();
    expect(await local.secrets.getOptional("OBS_SK")).toBeUndefined();
  });
});

describe("secret references", () => {
  it("parses ssm and secretsmanager forms", () => {
    expect(parseSecretRef("ssm:/partner-ops/prod/hwc/sk")).toEqual({ source: "ssm", name: "/partner-ops/prod/hwc/sk" });
    expect(parseSecretRef("secretsmanager:partner-ops/prod/hwc")).toEqual({ source: "secretsmanager", id: "partner-ops/prod/hwc" });
    expect(parseSecretRef("secretsmanager:partner-ops/prod/hwc#sk")).toEqual({ source: "secretsmanager", id: "partner-ops/prod/hwc", jsonKey: "sk" });
    expect(() => parseSecretRef("vault:x")).toThrow();
    expect(() => parseSecretRef("ssm:bad name")).toThrow();
  });
});
