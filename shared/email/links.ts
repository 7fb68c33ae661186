/**
 * Domains, links and addresses: allow-list matching on whole DNS labels from the right, link
 * judging by href (never by the visible text, which is only compared to the href to catch
 * deceptive links), and URL / address extraction from plain text. Pure, no I/O.
 */
import { charge } from "./budget.ts";
import { trimEndWhere } from "./text.ts";

/** Lower-cases and drops a trailing dot. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

/** `host` is one of `domains` or a subdomain of one, compared on whole labels from the right. */
export function hostAllowed(host: string, domains: readonly string[]): boolean {
  const h = normalizeHost(host);
  if (!h) return false;
  for (const d of domains) {
    const n = normalizeHost(d);
    if (n && (h === n || h.endsWith(`.${n}`))) return true;
  }
  return false;
}

/** Domain of an address (after the last @), lower case; null if it has none. */
export function emailDomain(address: string): string | null {
  const at = address.lastIndexOf("@");
  if (at <= 0 || at === address.length - 1) return null;
  return normalizeHost(address.slice(at + 1));
}

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`（）「」【】《》，。、；！？\u3000]+/giu;
const EMAIL_RE = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+/g;

export interface TextMatch {
  value: string;
  start: number;
  end: number;
}

const TRAILING_PUNCT = new Set([".", ",", ";", ":", "!", "?", "'", '"']);

/** URLs written in text (http://, https://, www.), trailing punctuation removed. */
export function findUrls(text: string): TextMatch[] {
  const out: TextMatch[] = [];
  charge(text.length, "findUrls");
  URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = URL_RE.exec(text)) !== null) {
    const raw = m[0];
    charge(raw.length, "findUrls");
    // drop trailing punctuation, and a closing bracket that has no opening one in the URL: one
    // count of the brackets, then an index walks back (no re-scan per character, issue 11.4)
    let opens = 0;
    let closes = 0;
    let square = false;
    for (let k = 0; k < raw.length; k++) {
      const c = raw.charCodeAt(k);
      if (c === 40) opens++;
      else if (c === 41) closes++;
      else if (c === 91) square = true;
    }
    let end = raw.length;
    while (end > 0) {
      const last = raw[end - 1]!;
      if (TRAILING_PUNCT.has(last)) end--;
      else if (last === ")" && opens < closes) {
        end--;
        closes--;
      } else if (last === "]" && !square) end--;
      else break;
    }
    const v = raw.slice(0, end);
    if (v.length > 4) out.push({ value: v, start: m.index, end: m.index + v.length });
  }
  return out;
}

/** E-mail addresses written in text. */
export function findEmails(text: string): TextMatch[] {
  const out: TextMatch[] = [];
  charge(text.length, "findEmails");
  // Every address holds exactly one "@", and its local part is at most 64 characters: the scan
  // starts just before the next "@" instead of trying the pattern at every position of the text.
  // The match found from there is the whole-text scan's next match (an earlier one would hold an
  // earlier "@"), and the next search starts after it: every character is scanned about once.
  let from = 0;
  for (let at = text.indexOf("@"); at >= 0; at = text.indexOf("@", from)) {
    EMAIL_RE.lastIndex = Math.max(from, at - 65);
    const m = EMAIL_RE.exec(text);
    if (m === null) break;
    charge(m[0].length, "findEmails");
    const v = trimEndWhere(m[0], (c) => c === ".");
    out.push({ value: v, start: m.index, end: m.index + v.length });
    from = m.index + m[0].length;
  }
  return out;
}

export type LinkKind = "web" | "mailto" | "unsafe" | "ignored";

export interface LinkVerdict {
  href: string;
  text: string;
  kind: LinkKind;
  /** Host (web) or address domains (mailto) the link really goes to. */
  targets: string[];
  /** Every target is on the allow-list (true for ignored links such as tel: or #anchors). */
  allowed: boolean;
  /** Host or address the visible text shows, if it shows one. */
  shown: string | null;
  /** The text shows a different host/address than the href goes to. */
  mismatch: boolean;
}

const COMMON_TLDS = new Set([
  "com", "net", "org", "edu", "gov", "info", "biz", "io", "co", "cloud", "app", "dev", "site", "online", "top", "xyz",
  "example", "invalid", "test", "local", "email", "link", "click", "shop", "store", "tech", "vip", "club", "work", "live",
]);

/** The host (or address) a link's visible text claims, if it looks like a URL, domain or address. */
export function shownTarget(text: string): { host: string; address: string | null } | null {
  const t = text.trim().slice(0, 500);
  const email = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)/.exec(t);
  if (email) return { host: normalizeHost(email[1]!), address: email[0].toLowerCase() };
  const url = /\bhttps?:\/\/([^\s/?#:]{1,255})/i.exec(t);
  if (url) return { host: normalizeHost(url[1]!.replace(/^.*@/, "")), address: null };
  const dom = /(?<![A-Za-z0-9.-])((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}))(?![A-Za-z0-9-])/.exec(t);
  if (dom) {
    const tld = dom[2]!.toLowerCase();
    if (tld.length === 2 || COMMON_TLDS.has(tld) || /^www\./i.test(dom[1]!)) return { host: normalizeHost(dom[1]!), address: null };
  }
  return null;
}

const sameSite = (a: string, b: string) => {
  const x = a.replace(/^www\./, "");
  const y = b.replace(/^www\./, "");
  return x === y || x.endsWith(`.${y}`) || y.endsWith(`.${x}`);
};

/** Judges one link by its href against `allowed` domains; the text is only compared to the href. */
export function judgeLink(href: string, text: string, allowed: readonly string[]): LinkVerdict {
  const h = href.replace(/[\t\n\r]/g, "").trim();
  const base = { href, text, shown: null as string | null, mismatch: false };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(h)?.[1]?.toLowerCase();
  const shown = shownTarget(text);
  if (scheme === "mailto") {
    const rest = h.slice(7);
    const q = rest.indexOf("?");
    let list = q >= 0 ? rest.slice(0, q) : rest;
    try {
      list = decodeURIComponent(list);
    } catch {
      /* keep as written */
    }
    const addresses = list.split(/[,;]/).map((a) => a.trim().toLowerCase()).filter(Boolean);
    const domains = addresses.map((a) => emailDomain(a) ?? "");
    if (domains.length === 0) return { ...base, kind: "ignored", targets: [], allowed: true };
    const ok = domains.every((d) => d !== "" && hostAllowed(d, allowed));
    const mismatch = !!shown && (shown.address ? !addresses.includes(shown.address) : !domains.some((d) => sameSite(d, shown.host)));
    return { ...base, kind: "mailto", targets: domains, allowed: ok, shown: shown?.address ?? shown?.host ?? null, mismatch };
  }
  let webHref: string | null = null;
  if (scheme === "http" || scheme === "https") webHref = h;
  else if (scheme === undefined) {
    if (h.startsWith("//")) webHref = `https:${h}`;
    else if (/^www\./i.test(h) || /^[a-z0-9-]+(?:\.[a-z0-9-]+)+\.[a-z]{2,}(?:[/?#:]|$)/i.test(h)) webHref = `http://${h}`;
    else return { ...base, kind: "ignored", targets: [], allowed: true }; // #anchor, relative path
  } else if (scheme === "tel" || scheme === "sms" || scheme === "cid" || scheme === "mid") {
    return { ...base, kind: "ignored", targets: [], allowed: true };
  } else {
    return { ...base, kind: "unsafe", targets: [scheme], allowed: false };
  }
  let host: string;
  try {
    host = normalizeHost(new URL(webHref).hostname);
  } catch {
    return { ...base, kind: "unsafe", targets: [], allowed: false };
  }
  const ok = host !== "" && hostAllowed(host, allowed);
  const mismatch = !!shown && !shown.address && !sameSite(host, shown.host);
  return { ...base, kind: "web", targets: [host], allowed: ok, shown: shown?.host ?? null, mismatch };
}
