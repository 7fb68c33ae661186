import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { explainSignature, signRequest, type Credentials, type SignableRequest } from "../../../shared/signing/index.ts";

interface Vector {
  name: string;
  ak: string;
  sk: string;
  credential: { projectId?: string; domainId?: string; securityToken?: string };
  request: { method: string; url: string; headers: Record<string, string>; body?: string; bodyBase64?: string };
  clock?: string;
  expected: { canonicalRequest: string; stringToSign: string; signedHeaders: string; signature: string; authorization: string };
  headersAdded: Record<string, string>;
}

const file = JSON.parse(readFileSync(new URL("../../fixtures/signing/apig-signing.json", import.meta.url), "utf8")) as {
  vectors: Vector[];
  divergentVectors: Vector[];
  derivedVectors: (Vector & { derivedAuth: { regionId: string; serviceName: string } })[];
};

function toRequest(v: Vector): SignableRequest {
  const body = v.request.bodyBase64 !== undefined ? new Uint8Array(Buffer.from(v.request.bodyBase64, "base64")) : v.request.body;
  return { method: v.request.method, url: v.request.url, headers: { ...v.request.headers }, ...(body ? { body } : {}) };
}

function toCredentials(v: Vector): Credentials {
  return { ak: v.ak, sk: v.sk, ...v.credential };
}

const clockOf = (v: Vector) => (v.clock ? { now: () => new Date(v.clock!) } : {});

describe("APIG signing vectors (official SDK output)", () => {
  it("the fixture holds 34 agreed and 3 divergent vectors", () => {
    expect(file.vectors).toHaveLength(34);
    expect(file.divergentVectors).toHaveLength(3);
  });

  for (const v of [...file.vectors, ...file.divergentVectors]) {
    it(v.name, () => {
      const parts = explainSignature(toRequest(v), toCredentials(v), clockOf(v));
      // Canonical request first: it pinpoints the faulty part.
      expect(parts.canonicalRequest).toBe(v.expected.canonicalRequest);
      expect(parts.stringToSign).toBe(v.expected.stringToSign);
      expect(parts.signedHeaders).toBe(v.expected.signedHeaders);
      expect(parts.signature).toBe(v.expected.signature);
      expect(parts.authorization).toBe(v.expected.authorization);

      const signed = signRequest(toRequest(v), toCredentials(v), clockOf(v));
      expect(signed.headers["Authorization"]).toBe(v.expected.authorization);
      // Every other header the official SDK added (with the same value) is in the signed request.
      // (Authorization was checked against `expected`, the doc-consistent value, above.)
      for (const [name, value] of Object.entries(v.headersAdded)) {
        if (name === "Authorization") continue;
        const found = Object.entries(signed.headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
        expect(found?.[1], name).toBe(value);
      }
    });
  }
});

describe("derived AK/SK (V11-HMAC-SHA256) vectors", () => {
  for (const v of file.derivedVectors) {
    it(v.name, () => {
      const derived = { regionId: v.derivedAuth.regionId, serviceName: v.derivedAuth.serviceName };
      const parts = explainSignature(toRequest(v), toCredentials(v), { derived });
      expect(parts.canonicalRequest).toBe(v.expected.canonicalRequest);
      expect(parts.stringToSign).toBe(v.expected.stringToSign);
      expect(parts.authorization).toBe(v.expected.authorization);
    });
  }
});
