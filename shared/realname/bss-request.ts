/**
 * From a validated application and its stored objects to the BSS request body (bss-api.md §8–§10.1),
 * checked against the catalogue schemas of shared/bss before it leaves this module.
 */
import type { z } from "zod";
import { changeEnterpriseRealnameRequest, enterpriseRealnameRequest, individualRealnameRequest } from "../bss/schemas.ts";
import type { Application } from "./application.ts";
import { requiredDocuments, type HwcSite } from "./documents.ts";
import type { PlannedObject } from "./keys.ts";

export type RealnameSubmission =
  | { operation: "CreateEnterpriseRealnameAuthentication"; kind: "enterprise"; body: z.infer<typeof enterpriseRealnameRequest> }
  | { operation: "ChangeEnterpriseRealnameAuthentication"; kind: "enterprise-change"; body: z.infer<typeof changeEnterpriseRealnameRequest> }
  | { operation: "CreatePersonalRealnameAuth"; kind: "individual"; body: z.infer<typeof individualRealnameRequest> };

export class SubmissionBuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SubmissionBuildError";
  }
}

/**
 * The operation and body for an application. `objects` are the stored documents (from
 * planObjectKeys); their `bssPath`s become `verified_file_url` in BSS order. `xaccountType` is the
 * partner's platform id (configuration), `site` the partner's Huawei site (HWC_SITE, default "cn").
 */
export function buildSubmission(application: Application, objects: readonly Pick<PlannedObject, "role" | "bssPath">[], xaccountType: string, site: HwcSite = "cn"): RealnameSubmission {
  const roles = requiredDocuments(application, site);
  const byRole = new Map(objects.map((o) => [o.role, o.bssPath]));
  if (objects.length !== roles.length || byRole.size !== roles.length) {
    throw new SubmissionBuildError(`expected ${roles.length} document(s) (${roles.join(", ")}), got ${objects.length}`);
  }
  const verified_file_url = roles.map((r) => {
    const p = byRole.get(r);
    if (p === undefined) throw new SubmissionBuildError(`no stored object for document ${r}`);
    return p;
  });

  const check = <S extends z.ZodType>(schema: S, body: unknown): z.infer<S> => {
    const r = schema.safeParse(body);
    if (!r.success) {
      // Paths and codes only: the values may be personal data.
      const where = r.error.issues.map((i) => `${i.path.join(".") || "(body)"} ${i.code}`).join("; ");
      throw new SubmissionBuildError(`BSS request failed the catalogue schema: ${where}`);
    }
    return r.data;
  };

  if (application.type === "individual") {
    const body = {
      customer_id: application.customer_id,
      identify_type: application.identify_type,
      ...(application.identify_type === 0 ? { verified_type: application.verified_type } : {}),
      verified_file_url,
      name: application.name,
      verified_number: application.verified_number,
      ...(application.change_type !== undefined ? { change_type: application.change_type } : {}),
      xaccount_type: xaccountType,
      ...(application.identify_type === 4 ? { bank_card_info: application.bank_card_info } : {}),
    };
    return { operation: "CreatePersonalRealnameAuth", kind: "individual", body: check(individualRealnameRequest, body) };
  }
  const common = {
    customer_id: application.customer_id,
    identify_type: 1 as const,
    ...(application.certificate_type !== undefined ? { certificate_type: application.certificate_type } : {}),
    verified_file_url,
    corp_name: application.corp_name,
    verified_number: application.verified_number,
    ...(application.reg_country !== undefined ? { reg_country: application.reg_country } : {}),
    ...(application.reg_address !== undefined ? { reg_address: application.reg_address } : {}),
    xaccount_type: xaccountType,
    ...(application.enterprise_person !== undefined ? { enterprise_person: application.enterprise_person } : {}),
  };
  if (application.type === "change") {
    return {
      operation: "ChangeEnterpriseRealnameAuthentication",
      kind: "enterprise-change",
      body: check(changeEnterpriseRealnameRequest, { ...common, change_type: 1 }),
    };
  }
  return { operation: "CreateEnterpriseRealnameAuthentication", kind: "enterprise", body: check(enterpriseRealnameRequest, common) };
}
