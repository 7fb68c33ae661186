/**
 * What the sandbox leaves out of the contract on the request side: parameters it validates
 * (contract.ts) and accepts but does not act on. The README's per-operation table is generated
 * from this, the contract and the response fields a fixed sweep of the sandbox produces
 * (test/contract/readme-coverage.test.ts checks it stays true). Paths use `.` for nesting and `[]`
 * for array items.
 */
export const NOT_ACTED_ON: Readonly<Record<string, readonly string[]>> = {
  CreateEnterpriseRealnameAuthentication: [
    "body.certificate_type",
    "body.verified_number",
    "body.enterprise_person.legel_name",
    "body.enterprise_person.legel_id_number",
    "body.enterprise_person.certifier_role",
  ],
  ChangeEnterpriseRealnameAuthentication: [
    "body.certificate_type",
    "body.verified_number",
    "body.enterprise_person.legel_name",
    "body.enterprise_person.legel_id_number",
    "body.enterprise_person.certifier_role",
  ],
  CreatePersonalRealnameAuth: [
    "body.verified_number",
    "body.change_type",
    "body.bank_card_info.bank_account",
    "body.bank_card_info.areacode",
    "body.bank_card_info.mobile",
    "body.bank_card_info.verification_code",
  ],
  // Policies do not change by month in the sandbox.
  ListIncentiveDiscountPolicies: ["query.time"],
  KeystoneCreateAgencyToken: ["query.nocatalog"],
};
