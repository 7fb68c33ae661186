/**
 * Message-level authenticity signals: SES receipt verdict headers (X-SES-Spam-Verdict,
 * X-SES-Virus-Verdict), Authentication-Results (spf/dkim/dmarc) and Received-SPF. Only failures
 * count against a message; a "pass" written by the sender proves nothing, so it grants nothing.
 * Pure, no I/O.
 */
import type { EmailIntakeConfig } from "./config.ts";
import type { RejectReason } from "./schema.ts";

export interface Finding {
  code: string;
  detail: string;
}

export interface AuthVerdict {
  reasons: RejectReason[];
  findings: Finding[];
}

/** Reads every value of a header from mailparser's header map (strings, string arrays). */
export function headerValues(headers: Map<string, unknown>, name: string): string[] {
  const v = headers.get(name);
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (typeof x === "string" ? x : typeof x === "object" && x && "text" in x ? String((x as { text: unknown }).text) : String(x)));
}

/** Results of one method (spf, dkim, dmarc) across all Authentication-Results headers, lower case. */
export function authResults(headers: Map<string, unknown>, method: "spf" | "dkim" | "dmarc"): string[] {
  const out: string[] = [];
  const re = new RegExp(`(?:^|[;\\s])${method}\\s*=\\s*([a-z]+)`, "gi");
  for (const h of headerValues(headers, "authentication-results")) {
    for (const m of h.matchAll(re)) out.push(m[1]!.toLowerCase());
  }
  return out;
}

export function judgeAuthenticity(headers: Map<string, unknown>, cfg: EmailIntakeConfig): AuthVerdict {
  const reasons: RejectReason[] = [];
  const findings: Finding[] = [];
  const verdict = (name: string) => headerValues(headers, name).map((v) => v.trim().toUpperCase())[0];

  const spam = verdict("x-ses-spam-verdict");
  if (spam && spam !== "PASS") findings.push({ code: "ses-spam-verdict", detail: spam });
  if (spam === "FAIL" && cfg.authentication.spamVerdictFail) reasons.push("spam-verdict");

  const virus = verdict("x-ses-virus-verdict");
  if (virus && virus !== "PASS") findings.push({ code: "ses-virus-verdict", detail: virus });
  if (virus === "FAIL" && cfg.authentication.virusVerdictFail) reasons.push("virus-verdict");

  const spf = authResults(headers, "spf");
  const receivedSpf = headerValues(headers, "received-spf").map((v) => v.trim().split(/[\s(;]/)[0]!.toLowerCase());
  const spfAll = [...spf, ...receivedSpf];
  if (spfAll.some((r) => r !== "pass" && r !== "none" && r !== "neutral")) findings.push({ code: "spf", detail: spfAll.join(",") });
  if (spfAll.includes("fail") && cfg.authentication.spfFail) reasons.push("spf-fail");

  // DKIM: a message may carry several signatures; it fails only if some fail and none pass.
  const dkim = authResults(headers, "dkim");
  if (dkim.some((r) => r !== "pass" && r !== "none")) findings.push({ code: "dkim", detail: dkim.join(",") });
  if (dkim.some((r) => r === "fail" || r === "permerror") && !dkim.includes("pass") && cfg.authentication.dkimFail) reasons.push("dkim-fail");

  const dmarc = authResults(headers, "dmarc");
  if (dmarc.some((r) => r !== "pass" && r !== "none")) findings.push({ code: "dmarc", detail: dmarc.join(",") });
  if (dmarc.includes("fail") && cfg.authentication.dmarcFail) reasons.push("dmarc-fail");

  return { reasons, findings };
}
