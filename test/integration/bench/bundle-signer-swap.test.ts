/**
 * bench/bundle.ts compares each function bundle with a build that has sdk-core's signer in place
 * of ours. These tests check that the comparison is real: the esbuild plugin swaps exactly the
 * signer shared/bss uses (a signing handler's baseline carries AKSKSigner + moment + lodash and
 * not our signRequest; a handler that reaches shared/bss without signing builds the same both
 * ways), and the shim signs exactly like our signer for the requests shared/bss sends.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BuiltBundle,
  OUR_SIGNER_INPUT,
  SDK_CORE_INPUT,
  buildBundle,
  bytesWhere,
  compareBuilds,
  esbuildOptionsOf,
} from "../../../bench/bundle.ts";
import { signRequest as sdkCoreSign } from "../../../bench/sdk-core-signer-shim.ts";
import { loadService, type ServiceModel } from "../../../local/engine/service.ts";
import { encodeComponent, signRequest, type Credentials, type SignableRequest } from "../../../shared/signing/index.ts";

const root = resolve(import.meta.dirname, "../../..");
let dir: string;
let model: ServiceModel;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "po-bundle-swap-"));
  model = loadService(join(root, "serverless.yml"), { stage: "prod", params: { hwcXaccountType: "test_platform" } });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function bothWays(fnName: string): Promise<{ ours: BuiltBundle; baseline: BuiltBundle }> {
  const fn = model.functions.find((f) => f.name === fnName);
  expect(fn, `${fnName} in serverless.yml`).toBeDefined();
  const options = esbuildOptionsOf(model);
  const [ours, baseline] = await Promise.all([
    buildBundle(fn!.handlerFile, join(dir, fnName, "ours"), options, false),
    buildBundle(fn!.handlerFile, join(dir, fnName, "sdk-core"), options, true),
  ]);
  return { ours: ours!, baseline: baseline! };
}

const has = (b: BuiltBundle, pkg: string) => Object.entries(b.inputs).some(([p, n]) => p.includes(`node_modules/${pkg}/`) && n > 0);

describe("esbuildOptionsOf", () => {
  it("passes custom.esbuild to esbuild the way serverless-esbuild does", () => {
    const options = esbuildOptionsOf(model) as Record<string, unknown>;
    const file = (model.doc["custom"] as { esbuild: Record<string, unknown> }).esbuild;
    for (const key of ["outputFileExtension", "exclude", "packager"]) expect(options).not.toHaveProperty(key);
    for (const key of ["minify", "format", "platform", "target", "keepNames", "mainFields", "banner", "sourcemap"]) {
      expect(options[key], key).toEqual(file[key]);
    }
    expect(options["outExtension"]).toEqual({ ".js": file["outputFileExtension"] });
    expect(options["external"]).toEqual(file["exclude"]);
  });
});

describe("signer swap plugin", () => {
  it("a signing handler: the baseline has sdk-core's AKSKSigner (with moment, lodash) instead of our signRequest", async () => {
    const { ours, baseline } = await bothWays("renewal-scan");
    const oursText = readFileSync(ours.file, "utf8");
    const baseText = readFileSync(baseline.file, "utf8");

    expect(bytesWhere(ours, SDK_CORE_INPUT)).toBe(0);
    expect(has(ours, "moment") || has(ours, "lodash")).toBe(false);
    expect(oursText).toContain("credentials.ak is required"); // our signer's own check

    expect(bytesWhere(baseline, SDK_CORE_INPUT)).toBeGreaterThan(0);
    expect(has(baseline, "moment") && has(baseline, "lodash")).toBe(true);
    expect(baseText).toContain("sdk-core shim: body is not in JSON.stringify form");
    expect(baseText).not.toContain("credentials.ak is required");
    // encodeComponent (shared/bss/url.ts) still comes from our module: apig.ts shrinks, does not vanish.
    expect(bytesWhere(baseline, OUR_SIGNER_INPUT)).toBeGreaterThan(0);
    expect(bytesWhere(baseline, OUR_SIGNER_INPUT)).toBeLessThan(bytesWhere(ours, OUR_SIGNER_INPUT));

    expect(compareBuilds("renewal-scan", ours, baseline)).toEqual({ signs: true, equivalent: false });
  }, 30_000);

  it("a handler that reaches shared/bss but never signs builds the same both ways", async () => {
    const { ours, baseline } = await bothWays("notify");
    expect(Object.keys(baseline.inputs).some((p) => p.startsWith("shared/bss/"))).toBe(true);
    expect(bytesWhere(baseline, SDK_CORE_INPUT)).toBe(0);
    expect(compareBuilds("notify", ours, baseline)).toEqual({ signs: false, equivalent: true });
  }, 30_000);
});

describe("sdk-core shim signRequest", () => {
  const creds: Credentials = { ak: "AKSHIMTEST0000000001", sk: "ShimTestSecret000000000000000000000001" };
  const auth = (r: SignableRequest, c: Credentials = creds, now?: () => Date) => {
    const options = now ? { now } : {};
    return [signRequest(r, c, options), sdkCoreSign(r, c, options)] as const;
  };

  it("signs a BSS POST exactly like our signer (security token, JSON body)", () => {
    const [ours, shim] = auth(
      {
        method: "post",
        url: "https://bss.myhuaweicloud.com/v2/orders/suscriptions/resources/query",
        headers: { "Content-Type": "application/json;charset=UTF-8", "X-Sdk-Date": "20261124T091522Z" },
        body: JSON.stringify({ customer_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", offset: 0, limit: 100, status_list: [2, 4] }),
      },
      { ...creds, securityToken: "temporary-token-1" },
    );
    expect(shim.headers["Authorization"]).toBe(ours.headers["Authorization"]);
    expect(shim.headers["X-Security-Token"]).toBe("temporary-token-1");
    expect(shim.method).toBe("POST");
  });

  it("uses options.now for X-Sdk-Date when the request has none, like our signer", () => {
    const now = () => new Date("2026-03-01T12:34:56.789Z");
    const [ours, shim] = auth({ method: "GET", url: "https://bss-intl.myhuaweicloud.com/v2/customers/realname-auths/result?customer_id=abc" }, creds, now);
    expect(shim.headers["X-Sdk-Date"]).toBe("20260301T123456Z");
    expect(shim.headers["Authorization"]).toBe(ours.headers["Authorization"]);
  });

  it("agrees with our signer on generated BSS-shaped requests (query object or URL, JSON body)", () => {
    const unreserved = fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz0123456789-_~");
    const segment = fc.string({ unit: unreserved, minLength: 1, maxLength: 10 });
    const text = fc.string({ unit: "grapheme", maxLength: 10 });
    const value = fc.oneof(text, fc.integer(), fc.boolean());
    const query = fc.dictionary(text.filter((k) => k.length > 0), fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 3 })), { maxKeys: 4 });
    fc.assert(
      fc.property(
        fc.constantFrom("GET", "POST", "PUT", "DELETE"),
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        query,
        fc.boolean(),
        fc.option(fc.dictionary(segment, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { nil: undefined }),
        (method, segs, q, queryInUrl, body) => {
          const qs = Object.entries(q)
            .flatMap(([k, v]) => [v].flat().map((x) => `${encodeComponent(k)}=${encodeComponent(String(x))}`))
            .join("&");
          const request: SignableRequest = {
            method,
            url: `https://bss.myhuaweicloud.com/${segs.join("/")}${qs ? "?" + qs : ""}`,
            headers: { "Content-Type": "application/json", "X-Sdk-Date": "20260102T030405Z" },
            ...(queryInUrl ? {} : { query: q }),
            ...(body !== undefined && method !== "GET" ? { body: JSON.stringify(body) } : {}),
          };
          const [ours, shim] = auth(request);
          expect(shim.headers["Authorization"]).toBe(ours.headers["Authorization"]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
