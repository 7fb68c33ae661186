/**
 * Where a real-name callback may go (issue 11.8, server-side request forgery). I/O-free: the
 * adapter (shared/realname-io/callback.ts) resolves the name, asks {@link checkResolvedAddresses}
 * about every address and connects to the address that was checked, never resolving again.
 *
 * Only global unicast addresses pass. Ranges are classified by ipaddr.js (a maintained table of
 * the IANA special-purpose registries): loopback, private, link-local (cloud metadata
 * 169.254.169.254), carrier-grade NAT, reserved (192.0.0.0/24, 198.18.0.0/15 benchmarking,
 * documentation, 240/4), multicast, broadcast, unspecified, unique-local, site-local, discard…
 * IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-translated, NAT64 64:ff9b::/96 and
 * 64:ff9b:1::/48, 6to4 2002::/16, Teredo, the deprecated IPv4-compatible ::a.b.c.d) are decoded and
 * the IPv4 address is judged as well. Names: localhost and *.localhost, cloud metadata names and
 * private-use suffixes (.internal, .local, .localdomain, .home.arpa), single-label names.
 *
 * Loopback is allowed only with `allowLoopback` (the local engine and tests; never in AWS).
 */
import ipaddr from "ipaddr.js";

export type TargetVerdict = { ok: true } | { ok: false; message: string };

export interface TargetOptions {
  /** Local engine/tests only: allow loopback addresses (127.0.0.0/8, ::1) and the name localhost. */
  allowLoopback?: boolean;
}

const METADATA_NAMES = new Set([
  "metadata.google.internal",
  "metadata.goog",
  "metadata",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.azure.internal",
  "metadata.tencentyun.com",
  "100-100-100-200",
]);
const PRIVATE_SUFFIXES = [".localhost", ".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".corp", ".lan"];

/** The host name as compared: lower case, trailing dots removed (`localhost.` is `localhost`). */
export function normaliseHostName(host: string): string {
  let h = host.toLowerCase();
  while (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

/** Judges a host name before it is resolved (an IP literal is judged as an address). */
export function checkHostName(host: string, options: TargetOptions = {}): TargetVerdict {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (ipaddr.isValid(bare)) return checkAddress(bare, options);
  const h = normaliseHostName(host);
  if (h === "") return { ok: false, message: "has no host name" };
  if (h === "localhost") return options.allowLoopback ? { ok: true } : { ok: false, message: "must not point to this machine (localhost)" };
  if (METADATA_NAMES.has(h)) return { ok: false, message: "must not point to a cloud metadata service" };
  if (PRIVATE_SUFFIXES.some((s) => h.endsWith(s))) return { ok: false, message: "must not use a local or private-use domain name" };
  if (!h.includes(".")) return { ok: false, message: "must be a fully qualified public host name" };
  return { ok: true };
}

/** The IPv4 address an IPv6 address carries, if it is one of the forms that embed one. */
export function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  const last32 = (i: number) => new ipaddr.IPv4([p[i]! >> 8, p[i]! & 0xff, p[i + 1]! >> 8, p[i + 1]! & 0xff]);
  switch (address.range()) {
    case "ipv4Mapped":
    case "rfc6145":
    case "rfc6052":
      return last32(6);
    case "6to4":
      return last32(1);
    case "teredo": {
      // The client's address, inverted, in the last 32 bits.
      const x = [p[6]! ^ 0xffff, p[7]! ^ 0xffff];
      return new ipaddr.IPv4([x[0]! >> 8, x[0]! & 0xff, x[1]! >> 8, x[1]! & 0xff]);
    }
    default:
      // Deprecated IPv4-compatible ::a.b.c.d (first 96 bits zero, not :: or ::1).
      if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return last32(6);
      return undefined;
  }
}

function v4Verdict(a: ipaddr.IPv4, options: TargetOptions, via?: string): TargetVerdict {
  const range = a.range();
  if (range === "unicast") return { ok: true };
  if (range === "loopback" && options.allowLoopback && via === undefined) return { ok: true };
  return { ok: false, message: `must not point to a ${describe(range)} address${via ? ` (carried in an IPv6 ${via} address)` : ""}` };
}

function describe(range: string): string {
  switch (range) {
    case "linkLocal":
      return "link-local (cloud metadata)";
    case "carrierGradeNat":
      return "carrier-grade NAT";
    case "uniqueLocal":
      return "unique-local (private)";
    case "deprecatedSiteLocal":
      return "site-local (private)";
    case "private":
    case "loopback":
    case "multicast":
    case "broadcast":
    case "unspecified":
    case "reserved":
      return range;
    default:
      return `special-purpose (${range})`;
  }
}

/** Judges one address (IPv4 or IPv6 text, with or without brackets). */
export function checkAddress(address: string, options: TargetOptions = {}): TargetVerdict {
  const text = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(text)) return { ok: false, message: "is not an IP address" };
  const parsed = ipaddr.parse(text);
  if (parsed.kind() === "ipv4") return v4Verdict(parsed as ipaddr.IPv4, options);
  const v6 = parsed as ipaddr.IPv6;
  const range = v6.range();
  const inner = embeddedIPv4(v6);
  if (inner) {
    const v = v4Verdict(inner, options, range === "unicast" ? "IPv4-compatible" : range);
    if (!v.ok) return v;
    // A public IPv4 address in a translation form (mapped, NAT64, 6to4) is that public address; Teredo and IPv4-compatible are refused.
    return range === "ipv4Mapped" || range === "rfc6145" || range === "rfc6052" || range === "6to4" ? { ok: true } : { ok: false, message: `must not point to a special-purpose (${range === "unicast" ? "IPv4-compatible" : range}) address` };
  }
  if (range === "unicast") return { ok: true };
  if (range === "loopback" && options.allowLoopback) return { ok: true };
  return { ok: false, message: `must not point to a ${describe(range)} address` };
}

/** Every address a name resolved to must pass (one bad answer refuses the name: DNS can be rotated). */
export function checkResolvedAddresses(addresses: readonly string[], options: TargetOptions = {}): TargetVerdict {
  if (addresses.length === 0) return { ok: false, message: "the host name does not resolve" };
  for (const a of addresses) {
    const v = checkAddress(a, options);
    if (!v.ok) return { ok: false, message: `resolves to a refused address: ${v.message}` };
  }
  return { ok: true };
}
