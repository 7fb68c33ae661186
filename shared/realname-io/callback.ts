/**
 * The signed callback to the partner portal (X-Partner-Ops-Signature, shared/signing).
 *
 * Server-side request forgery defence (issue 11.8): the URL was checked at intake, and again here
 * at connect time — the host name is resolved once, every address it resolves to is judged by
 * shared/realname/callback-target.ts, and the connection goes to the address that was checked
 * (the request carries the name in Host and TLS SNI, so no second lookup can rebind it).
 * Redirects are never followed. Loopback is allowed only with `allowLoopback` (local engine/tests).
 */
import { lookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP } from "node:net";
import { checkHostName, checkResolvedAddresses } from "../realname/callback-target.ts";
import { WEBHOOK_SIGNATURE_HEADER, signWebhook } from "../signing/webhook.ts";

export type CallbackResult = { ok: true; status: number } | { ok: false; status?: number; reason: string };

/** A name's addresses (the default is the system resolver, `dns.lookup` with all answers). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface CallbackTarget {
  url: URL;
  /** The checked address the connection must go to. */
  address: string;
  family: number;
}

/** Sends the request to `target.address` (never resolving `target.url`'s host again). */
export type CallbackTransport = (target: CallbackTarget, headers: Record<string, string>, body: string, timeoutMs: number) => Promise<{ status: number }>;

export interface CallbackOptions {
  timeoutMs?: number;
  /** Local engine/tests only: allow http:// and loopback addresses. */
  allowLoopback?: boolean;
  resolve?: Resolver;
  transport?: CallbackTransport;
}

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/** node:http(s) to the checked address; Host header and SNI carry the name. */
export const directTransport: CallbackTransport = (target, headers, body, timeoutMs) =>
  new Promise((resolve, reject) => {
    const { url } = target;
    const name = url.hostname.replace(/^\[|\]$/g, "");
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const req = send(
      {
        host: target.address,
        family: target.family,
        port: url.port || (url.protocol === "https:" ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { ...headers, host: url.host, "content-length": String(Buffer.byteLength(body)) },
        ...(url.protocol === "https:" && isIP(name) === 0 ? { servername: name } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume(); // the answer's body is not needed; never buffered
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });

/** Resolves and checks the callback URL's host; the address to connect to, or why not. */
export async function resolveCallbackTarget(rawUrl: string, options: Pick<CallbackOptions, "allowLoopback" | "resolve"> = {}): Promise<{ ok: true; target: CallbackTarget } | { ok: false; reason: string }> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, reason: "callback_url is not a URL" };
  }
  if (url.protocol !== "https:" && !(options.allowLoopback && url.protocol === "http:")) return { ok: false, reason: "callback_url must use https://" };
  const name = url.hostname.replace(/^\[|\]$/g, "");
  const byName = checkHostName(url.hostname, { allowLoopback: options.allowLoopback === true });
  if (!byName.ok) return { ok: false, reason: `callback_url ${byName.message}` };
  let answers: { address: string; family: number }[];
  if (isIP(name) !== 0) answers = [{ address: name, family: isIP(name) }];
  else {
    try {
      answers = await (options.resolve ?? systemResolver)(name);
    } catch (err) {
      return { ok: false, reason: `callback_url host does not resolve (${(err as { code?: string }).code ?? (err as Error).name})` };
    }
  }
  const verdict = checkResolvedAddresses(answers.map((a) => a.address), { allowLoopback: options.allowLoopback === true });
  if (!verdict.ok) return { ok: false, reason: `callback_url ${verdict.message}` };
  const first = answers[0]!;
  return { ok: true, target: { url, address: first.address, family: first.family } };
}

export async function postSignedCallback(url: string, payload: unknown, secrets: readonly string[], options: CallbackOptions = {}): Promise<CallbackResult> {
  const checked = await resolveCallbackTarget(url, options);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  const body = JSON.stringify(payload);
  const headers = { "content-type": "application/json", [WEBHOOK_SIGNATURE_HEADER]: signWebhook(body, secrets) };
  try {
    const res = await (options.transport ?? directTransport)(checked.target, headers, body, options.timeoutMs ?? 5000);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
    if (res.status >= 300 && res.status < 400) return { ok: false, status: res.status, reason: `the portal answered a redirect (HTTP ${res.status}); redirects are not followed` };
    return { ok: false, status: res.status, reason: `the portal answered HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, reason: `the portal could not be reached (${(err as Error).name})` };
  }
}
