/**
 * A throwaway engine (in memory, free ports) running serverless.yml's real-name functions against
 * the BSS sandbox, for the security suites: they drive the real realname-api handler over HTTP on
 * 127.0.0.1, as the portal would.
 */
import { resolve } from "node:path";
import { THROWAWAY_ENGINE, startEngine, type Engine } from "../../../local/engine/engine.ts";
import { sandboxEnv, startSandbox, type Sandbox } from "../../../local/sandbox/index.ts";
import { signWebhook } from "../../../shared/signing/index.ts";
import { customerPicker, residentId, uscc } from "../../e2e/helpers/realname-files.ts";

export const SECRET = "whsec_security_suite_0123456789ab";

export interface RealnameHarness {
  engine: Engine;
  sandbox: Sandbox;
  api: string;
  freshCustomer: () => string;
  /** Sends a request; `signature` overrides the v2 header signWebhook would make. */
  send(method: string, path: string, body?: string | Uint8Array, opts?: { signature?: string | null; headers?: Record<string, string> }): Promise<{ status: number; text: string; json: any }>;
  close(): Promise<void>;
}

export async function startRealnameHarness(): Promise<RealnameHarness> {
  const sandbox = await startSandbox({ seed: 11, customers: 30 });
  const engine = await startEngine({
    ...THROWAWAY_ENGINE,
    serviceFile: resolve(import.meta.dirname, "../../../serverless.yml"),
    stage: "test",
    sandbox: "off",
    logLevel: "ERROR",
    env: { ...sandboxEnv(sandbox), WEBHOOK_SECRET: SECRET },
    // No background sweeps while a suite drives the API.
    params: { realnameStatusSchedule: "rate(1 day)" },
  });
  const api = engine.urls.http!;
  return {
    engine,
    sandbox,
    api,
    freshCustomer: customerPicker(sandbox),
    async send(method, path, body, opts = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", ...opts.headers };
      const sig = opts.signature === undefined ? signWebhook(body ?? "", SECRET, { request: { method, path } }) : opts.signature;
      if (sig !== null) headers["x-partner-ops-signature"] = sig;
      const res = await fetch(api + path, { method, headers, ...(body !== undefined && method !== "GET" ? { body } : {}) });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    },
    async close() {
      await engine.close();
      await sandbox.close();
    },
  };
}

/** A valid enterprise application body with one small inline JPEG (credit code checksummed). */
export function enterpriseInline(customerId: string, jpegBytes: Buffer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "enterprise",
    customer_id: customerId,
    certificate_type: 0,
    corp_name: "厦门安全测试有限公司",
    verified_number: uscc("91350100M000100Y4"),
    enterprise_person: undefined,
    attachments: { mode: "inline", files: [{ role: "company_certificate", content_base64: jpegBytes.toString("base64"), content_type: "image/jpeg" }] },
    ...extra,
  };
}

export const LEGAL_ID = residentId("11010519491231002");
