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
import type { z } from "zod";
import { assumeRoleRequest } from "../../shared/bss/schemas.ts";
import { SandboxError } from "./errors.ts";
import type { TokenStore } from "./auth.ts";
import type { SandboxState } from "./state.ts";
import { formatIamTime } from "./time.ts";

export type AssumeRoleRequest = z.output<typeof assumeRoleRequest>;

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
  if (ar.domain_name === undefined && ar.domain_id === undefined) throw iamBodyInvalid("assume_role needs domain_name or domain_id.");
  const customer = ar.domain_id !== undefined ? state.customer(ar.domain_id) : state.customerByAccountName(ar.domain_name!);
  if (!customer) throw notFound("domain", ar.domain_id ?? ar.domain_name!);
  if (ar.domain_id !== undefined && ar.domain_name !== undefined && customer.info.account_name !== ar.domain_name) {
    throw iamBodyInvalid("domain_id and domain_name name different accounts.");
  }
  if (ar.agency_name !== state.options.xaccountType || !customer.agency) throw notFound("agency", ar.agency_name);

  const domain = { id: customer.info.customer_id, name: customer.info.account_name };
  const scope = req.auth.scope;
  let project: { id: string; name: string } | undefined;
  if ("domain" in scope) {
    const d = scope.domain;
    const matches = "id" in d ? d.id === domain.id : d.name === domain.name;
    if (!matches) throw iamBodyInvalid("scope.domain must be the delegating account.");
  } else {
    const p = scope.project;
    project = customer.projects.find((x) => ("id" in p ? x.id === p.id : x.name === p.name));
    if (!project) throw notFound("project", "id" in scope.project ? scope.project.id : scope.project.name);
  }

  const ttl = Math.min(ar.duration_seconds ?? defaultTtlSeconds, defaultTtlSeconds);
  const expiresAt = now + ttl * 1000;
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
    assumed_by: { user: { domain: { id: state.partnerDomainId } } },
  };
  if (project) body["project"] = { id: project.id, name: project.name, domain };
  else body["domain"] = domain;
  return { token, body: { token: body } };
}
