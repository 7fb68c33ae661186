/**
 * The real-name end-to-end flows that reach BSS, against the international-site sandbox (issue 12.7):
 * realname.test.ts with PARTNER_OPS_E2E_SITE=intl (association type 3, verified status 3, the intl
 * contract's request schemas: no bank-card scheme, 2-file passports).
 */
process.env["PARTNER_OPS_E2E_SITE"] = "intl";
await import("./realname.test.ts");
// Read at import: do not leak into another test file that might share this worker process.
delete process.env["PARTNER_OPS_E2E_SITE"];
