/**
 * IAM `POST /v3/auth/tokens` with the `assume_role` method: the partner (signed with its AK/SK)
 * obtains a token of a customer account through the agency named after its platform id
 * (xaccount_type). No I/O.
 *
 * Error shape: IAM answers `{"error_msg": "...", "error_code": "IAM.xxxx"}` (IAM API reference
 * examples): 400 `IAM.0011` "Request body is invalid.", 401 `IAM.0001` "The request you have
 * made requires authentication.", 404 `IAM.0004` "Could not find %(target)s: %(target_id)s.".
 * Which of these IAM returns for an unknown delegating account or agency is not documented;
 * the sandbox answers 404 IAM.0004 for both (unconfirmed).
 */
import { SandboxError } from "./errors.ts";
import type { TokenStore } from "./auth.ts";
import type { SandboxState } from "./state.ts";
import type { AssumeRoleRequest } from "./requests.ts";
import { formatIamTime } from "./time.ts";

export type { AssumeRoleRequest };

export const iamBodyInvalid = (detail: string): SandboxError => new SandboxError(400, "IAM.0011", `Request body is invalid. ${detail}`.trim());
export const iamUnauthenticated = (): SandboxError => new SandboxError(401, "IAM.0001", "The request you have made requires authentication.");
const notFound = (target: string, id: string): SandboxError => new SandboxError(404, "IAM.0004", `Could not find ${target}: ${id}.`);

export interface AgencyTokenResult {
  token: string;
  body: { token: Record<string, unknown> };
}

export function createAgencyToken(
  state: SandboxState,
  tokens: TokenStore,
  req: AssumeRoleRequest,
  now: number,
  defaultTtlSeconds: number,
): AgencyTokenResult {
  const ar = req.auth.identity.assume_role;
  // The contract: methods must be ["assume_role"]; scope names one domain or one project, by id or name.
  if (req.auth.identity.methods.length !== 1 || req.auth.identity.methods[0] !== "assume_role") throw iamBodyInvalid('methods must be ["assume_role"].');
  const scope = req.auth.scope;
  const target = scope.domain ?? scope.project;
  if ((scope.domain === undefined) === (scope.project === undefined) || !target || (target.id === undefined) === (target.name === undefined)) {
    throw iamBodyInvalid("scope must name one domain or one project, by id or by name.");
  }
  if (ar.domain_name === undefined && ar.domain_id === undefined) throw iamBodyInvalid("assume_role needs domain_name or domain_id.");
  const customer = ar.domain_id !== undefined ? state.customer(ar.domain_id) : state.customerByAccountName(ar.domain_name!);
  if (!customer) throw notFound("domain", ar.domain_id ?? ar.domain_name!);
  if (ar.domain_id !== undefined && ar.domain_name !== undefined && customer.info.account_name !== ar.domain_name) {
    throw iamBodyInvalid("domain_id and domain_name name different accounts.");
  }
  if (ar.agency_name !== state.options.xaccountType || !customer.agency) throw notFound("agency", ar.agency_name);

  const domain = { id: customer.info.customer_id, name: customer.info.account_name };
  let project: { id: string; name: string } | undefined;
  if (scope.domain) {
    const d = scope.domain;
    const matches = d.id !== undefined ? d.id === domain.id : d.name === domain.name;
    if (!matches) throw iamBodyInvalid("scope.domain must be the delegating account.");
  } else {
    const p = target;
    project = customer.projects.find((x) => (p.id !== undefined ? x.id === p.id : x.name === p.name));
    if (!project) throw notFound("project", (p.id ?? p.name)!);
  }

  // The agency token's lifetime is fixed (24 h by IAM; the sandbox's tokenTtlSeconds): the
  // contract's assume_role has no duration field.
  const expiresAt = now + defaultTtlSeconds * 1000;
  const token = tokens.issue({ customerId: domain.id, issuedAt: now, expiresAt, ...(project ? { projectId: project.id } : {}) });
  const body: Record<string, unknown> = {
    expires_at: formatIamTime(expiresAt),
    issued_at: formatIamTime(now),
    methods: ["assume_role"],
    catalog: [],
    roles: [{ id: "0", name: "op_service" }],
    user: {
      id: `${domain.id.slice(0, 16)}${state.partnerDomainId.slice(0, 16)}`,
      name: `${domain.name}/${ar.agency_name}`,
      domain,
    },
    assumed_by: {
      user: { name: state.partnerAccountName, id: state.partnerDomainId.slice(0, 32), domain: { id: state.partnerDomainId, name: state.partnerAccountName }, password_expires_at: "" },
    },
  };
  if (project) body["project"] = { id: project.id, name: project.name, domain };
  else body["domain"] = domain;
  return { token, body: { token: body } };
}
