/** The sandbox lists every customer token its IAM endpoint issued (log-scan tests forbid them in logs). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { customerToken, FIXED_NOW } from "./helpers.ts";

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 12, customers: 10, resourcesPerCustomer: 2, now: FIXED_NOW, ratePerSecond: 1000, tokenTtlSeconds: 60 });
});
afterAll(async () => {
  await sb.close();
});

describe("sandbox data.issuedTokens", () => {
  it("holds each X-Subject-Token in issue order, also after the token expired", async () => {
    expect(sb.data.issuedTokens).toEqual([]);
    const [a, b] = sb.data.customers.filter((c) => c.agency);
    const first = await customerToken(sb, a!.info.account_name);
    const second = await customerToken(sb, b!.info.account_name);
    expect(first).not.toBe(second);
    expect(sb.data.issuedTokens).toEqual([first, second]);
    expect(sb.stats.effects.tokensIssued).toBe(2);
    sb.control.setClock(() => Date.now() + 120_000);
    try {
      const third = await customerToken(sb, a!.info.account_name); // a request sweeps the expired ones
      expect(sb.data.issuedTokens).toEqual([first, second, third]);
    } finally {
      sb.control.setClock(Date.now);
    }
  });
});
