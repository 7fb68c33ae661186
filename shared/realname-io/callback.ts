/**
 * The signed callback to the partner portal (X-Partner-Ops-Signature, shared/signing). The URL was
 * checked at intake (https, no literal private address, optional host allow-list); redirects are
 * not followed so a callback cannot be bounced to another host.
 */
import { WEBHOOK_SIGNATURE_HEADER, signWebhook } from "../signing/webhook.ts";

export type CallbackResult = { ok: true; status: number } | { ok: false; status?: number; reason: string };

export async function postSignedCallback(
  url: string,
  payload: unknown,
  secrets: readonly string[],
  options: { timeoutMs?: number; fetch?: typeof globalThis.fetch } = {},
): Promise<CallbackResult> {
  const body = JSON.stringify(payload);
  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    const res = await doFetch(url, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/json", [WEBHOOK_SIGNATURE_HEADER]: signWebhook(body, secrets) },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    return { ok: false, status: res.status, reason: `the portal answered HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, reason: `the portal could not be reached (${(err as Error).name})` };
  }
}
