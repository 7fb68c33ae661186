/** The partner's identity params (issue 16.5): defaults, the renewal link's rules. */
import { describe, expect, it } from "vitest";
import { perInstanceRate } from "../../../shared/renewal/messages.ts";
import { DEFAULT_RENEW_URL, parseRenewalSettings, partnerIdentity } from "../../../shared/renewal/settings.ts";

describe("partner identity settings", () => {
  it("defaults: no name, the Billing Center renewals page as the link, templates under renewal/templates/", () => {
    const s = parseRenewalSettings({}, perInstanceRate);
    expect(partnerIdentity(s)).toEqual({ name: "", senderName: "", support: "", signature: "", renewUrl: DEFAULT_RENEW_URL });
    expect(DEFAULT_RENEW_URL).toMatch(/^https:\/\//);
    expect(s.RENEWAL_TEMPLATES_PREFIX).toBe("renewal/templates/");
  });

  it("the renewal link is https or none; anything else stops the start with the variable named", () => {
    const env = { RENEWAL_PARTNER_NAME: "Acme", RENEWAL_SENDER_NAME: "Acme Renewals", RENEWAL_SIGNATURE: "Acme\\nDesk" };
    expect(partnerIdentity(parseRenewalSettings({ ...env, RENEWAL_RENEW_URL: "none" }, perInstanceRate)).renewUrl).toBe("");
    expect(partnerIdentity(parseRenewalSettings({ ...env, RENEWAL_RENEW_URL: "https://shop.acme.example/renew/{resource_id}" }, perInstanceRate))).toMatchObject({
      name: "Acme",
      senderName: "Acme Renewals",
      renewUrl: "https://shop.acme.example/renew/{resource_id}",
    });
    for (const bad of ["http://shop.acme.example/", "javascript:alert(1)", "https://", "ftp://x/"]) {
      expect(() => parseRenewalSettings({ RENEWAL_RENEW_URL: bad }, perInstanceRate)).toThrow(/RENEWAL_RENEW_URL: must be an https URL or none/);
    }
  });
});
