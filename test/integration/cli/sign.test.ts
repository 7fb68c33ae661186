import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../../bin/partner-ops.js", import.meta.url));
const vectors = JSON.parse(readFileSync(new URL("../../fixtures/signing/apig-signing.json", import.meta.url), "utf8")) as {
  vectors: { name: string; ak: string; sk: string; credential: Record<string, string>; request: { method: string; url: string; headers: Record<string, string>; body?: string; bodyBase64?: string }; expected: { authorization: string } }[];
};

function run(args: string[], input: string, env: Record<string, string>) {
  const r = spawnSync(process.execPath, [bin, ...args], { input, env: { PATH: process.env["PATH"] ?? "", ...env }, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("partner-ops sign", () => {
  for (const name of ["x-domain-id-and-token-bss-intl-post", "binary-body-unsigned-payload", "get-query-reserved-chars"]) {
    it(`reproduces vector ${name} through stdin/stdout`, () => {
      const v = vectors.vectors.find((x) => x.name === name)!;
      const env: Record<string, string> = { HWC_AK: v.ak, HWC_SK: v.sk };
      if (v.credential["securityToken"]) env["HWC_SECURITY_TOKEN"] = v.credential["securityToken"];
      if (v.credential["domainId"]) env["HWC_DOMAIN_ID"] = v.credential["domainId"];
      if (v.credential["projectId"]) env["HWC_PROJECT_ID"] = v.credential["projectId"];
      const { body, bodyBase64 } = v.request;
      const req = { method: v.request.method, url: v.request.url, headers: v.request.headers, ...(bodyBase64 ? { bodyBase64 } : body ? { body } : {}) };
      const r = run(["sign"], JSON.stringify(req), env);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.headers.Authorization).toBe(v.expected.authorization);
      expect(out.bodyBase64 ?? out.body).toBe(bodyBase64 ?? (body || undefined));
    });
  }

  it("names what is missing, exits 2, and never echoes the secret key", () => {
    const noSk = run(["sign"], "{}", { HWC_AK: "AK" });
    expect(noSk.code).toBe(2);
    expect(noSk.stderr).toContain("HWC_SK");
    const bad = run(["sign"], '{"method":"GET","url":"not a url"}', { HWC_AK: "AK", HWC_SK: "very-secret-sk-value" });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("url");
    expect(bad.stderr + bad.stdout).not.toContain("very-secret-sk-value");
    const notJson = run(["sign"], "nope", { HWC_AK: "AK", HWC_SK: "very-secret-sk-value" });
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain("not valid JSON");
  });

  it("prints help and rejects unknown commands", () => {
    expect(run(["sign", "--help"], "", {}).stdout).toContain("Usage: partner-ops sign");
    const r = run(["frobnicate"], "", {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "frobnicate"');
  });
});
