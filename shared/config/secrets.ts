/**
 * Secret values (Huawei AK/SK, webhook secrets, OBS keys).
 *
 * - Locally: the variable itself holds the value (`HWC_SK=...`).
 * - In AWS: `<NAME>_REF` names where the value lives, and it is read on first use through the
 *   AWS Parameters and Secrets Lambda Extension (a layer that serves
 *   `http://localhost:<port>/systemsmanager/parameters/get` and `/secretsmanager/get`, authenticated
 *   with the function's own session token). No extra SDK client in the bundle, one HTTP call per
 *   secret per cold start (then cached for SECRETS_CACHE_TTL_SECONDS), and the extension may only be
 *   called during an invocation — so secrets are resolved lazily, never at module load.
 *
 * Reference syntax:
 *   ssm:/partner-ops/prod/hwc/sk                 SSM parameter (SecureString decrypted)
 *   secretsmanager:partner-ops/prod/hwc          whole SecretString
 *   secretsmanager:partner-ops/prod/hwc#sk       one key of a JSON SecretString
 */
import { z } from "zod";

export const SECRET_NAMES = ["HWC_AK", "HWC_SK", "HWC_SECURITY_TOKEN", "WEBHOOK_SECRET", "OBS_AK", "OBS_SK"] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export type SecretRef =
  | { source: "ssm"; name: string }
  | { source: "secretsmanager"; id: string; jsonKey?: string };

export class SecretError extends Error {
  override name = "SecretError";
}

/** Parses a `<NAME>_REF` value. Pure. */
export function parseSecretRef(ref: string): SecretRef {
  const m = /^(ssm|secretsmanager):(.+)$/.exec(ref.trim());
  if (!m || !m[2]) throw new SecretError(`secret reference must start with "ssm:" or "secretsmanager:"`);
  const rest = m[2];
  if (m[1] === "ssm") {
    if (!/^[A-Za-z0-9_.\-/]+$/.test(rest)) throw new SecretError("SSM parameter name has characters SSM does not allow");
    return { source: "ssm", name: rest };
  }
  const hash = rest.lastIndexOf("#");
  if (hash > 0 && hash < rest.length - 1) return { source: "secretsmanager", id: rest.slice(0, hash), jsonKey: rest.slice(hash + 1) };
  return { source: "secretsmanager", id: rest };
}

const ssmResponse = z.object({ Parameter: z.object({ Value: z.string() }) });
const secretsManagerResponse = z.object({ SecretString: z.string() });

export interface SecretStore {
  /** The secret's value; throws SecretError naming the variable (never the value) on failure. */
  get(name: SecretName): Promise<string>;
  /** Value or undefined when neither NAME nor NAME_REF is set. */
  getOptional(name: SecretName): Promise<string | undefined>;
}

export interface SecretStoreOptions {
  env: NodeJS.ProcessEnv;
  port?: number;
  ttlSeconds?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  /** Extension host; only tests change it. */
  host?: string;
}

export function createSecretStore(options: SecretStoreOptions): SecretStore {
  const env = options.env;
  const port = options.port ?? 2773;
  const host = options.host ?? "localhost";
  const ttlMs = (options.ttlSeconds ?? 300) * 1000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;
  const cache = new Map<SecretName, { value: Promise<string>; at: number }>();

  async function fromExtension(name: SecretName, ref: SecretRef): Promise<string> {
    const token = env["AWS_SESSION_TOKEN"];
    if (!token) throw new SecretError(`${name}: ${name}_REF is set but AWS_SESSION_TOKEN is not (the extension needs it)`);
    const url =
      ref.source === "ssm"
        ? `http://${host}:${port}/systemsmanager/parameters/get?name=${encodeURIComponent(ref.name)}&withDecryption=true`
        : `http://${host}:${port}/secretsmanager/get?secretId=${encodeURIComponent(ref.id)}`;
    let res: Response;
    try {
      res = await doFetch(url, { headers: { "X-Aws-Parameters-Secrets-Token": token }, signal: AbortSignal.timeout(5000) });
    } catch (err) {
      throw new SecretError(`${name}: the Parameters and Secrets extension did not answer (${(err as Error).name}); is the layer attached?`);
    }
    if (!res.ok) throw new SecretError(`${name}: the Parameters and Secrets extension answered HTTP ${res.status} for ${ref.source}`);
    const body: unknown = await res.json().catch(() => undefined);
    if (ref.source === "ssm") {
      const parsed = ssmResponse.safeParse(body);
      if (!parsed.success) throw new SecretError(`${name}: unexpected SSM response shape`);
      return parsed.data.Parameter.Value;
    }
    const parsed = secretsManagerResponse.safeParse(body);
    if (!parsed.success) throw new SecretError(`${name}: unexpected Secrets Manager response shape`);
    if (!ref.jsonKey) return parsed.data.SecretString;
    let doc: unknown;
    try {
      doc = JSON.parse(parsed.data.SecretString);
    } catch {
      throw new SecretError(`${name}: secret is not JSON, cannot pick key "${ref.jsonKey}"`);
    }
    const value = (doc as Record<string, unknown> | null)?.[ref.jsonKey];
    if (typeof value !== "string" || value === "") throw new SecretError(`${name}: JSON secret has no string key "${ref.jsonKey}"`);
    return value;
  }

  async function getOptional(name: SecretName): Promise<string | undefined> {
    const plain = env[name];
    if (plain !== undefined && plain !== "") return plain;
    const refText = env[`${name}_REF`];
    if (refText === undefined || refText === "") return undefined;
    const hit = cache.get(name);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    let ref: SecretRef;
    try {
      ref = parseSecretRef(refText);
    } catch (err) {
      throw new SecretError(`${name}_REF: ${(err as Error).message}`);
    }
    const value = fromExtension(name, ref);
    cache.set(name, { value, at: now() });
    value.catch(() => cache.delete(name)); // never cache a failure
    return value;
  }

  return {
    getOptional,
    async get(name) {
      const v = await getOptional(name);
      if (v === undefined) throw new SecretError(`${name}: not configured (set ${name} locally or ${name}_REF in AWS)`);
      return v;
    },
  };
}
