/**
 * A function's BSS client from its validated configuration: endpoint, IAM endpoint, the partner
 * credentials (read from the secret store when called — in AWS through the extension, so only during
 * an invocation), the agency name for customer tokens and the per-attempt timeout.
 */
import type { Config } from "../config/index.ts";
import { createBssClient, type BssClient, type BssClientOptions } from "./client.ts";

export async function bssClientFromConfig(config: Config, options: Partial<Omit<BssClientOptions, "endpoint" | "credentials">> = {}): Promise<BssClient> {
  const ak = await config.secrets.get("HWC_AK");
  const sk = await config.secrets.get("HWC_SK");
  const token = await config.secrets.getOptional("HWC_SECURITY_TOKEN");
  return createBssClient({
    endpoint: config.HWC_ENDPOINT ?? "cn",
    ...(config.HWC_IAM_ENDPOINT ? { iamEndpoint: config.HWC_IAM_ENDPOINT } : {}),
    credentials: { ak, sk, ...(token ? { securityToken: token } : {}), ...(config.HWC_DOMAIN_ID ? { domainId: config.HWC_DOMAIN_ID } : {}) },
    ...(config.HWC_XACCOUNT_TYPE ? { agencyName: config.HWC_XACCOUNT_TYPE } : {}),
    ...(config.HWC_TIMEOUT_MS ? { timeoutMs: config.HWC_TIMEOUT_MS } : {}),
    ...options,
  });
}
