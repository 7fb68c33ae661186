/**
 * Issue 11.8: callback_url server-side request forgery. Every address form that reaches this
 * machine, a private network or a cloud metadata service is refused — at intake (names and
 * literals) and at connect time (what the name resolves to) — before any connection is made.
 * The resolver and the transport are injected: nothing here contacts a non-loopback address.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { postSignedCallback, type CallbackTransport, type Resolver } from "../../shared/realname-io/callback.ts";
import { validateApplication } from "../../shared/realname/index.ts";

const SECRET = "whsec_ssrf_suite_0123456789abcdef";

// Literal hosts (the URL parser normalises 2130706433, 0x7f.1, 017700000001 … to dotted IPv4).
const REFUSED_LITERALS = [
  "127.0.0.1", "127.1.2.3", "2130706433", "0x7f.1", "017700000001", "0.0.0.0", "10.0.0.1", "172.16.0.1", "172.31.255.254",
  "192.168.1.1", "169.254.169.254", "169.254.170.2", "100.64.0.1", "100.100.100.200", "198.18.0.1", "198.19.255.255",
  "192.0.0.1", "192.0.0.170", "192.0.2.1", "198.51.100.1", "203.0.113.1", "224.0.0.1", "239.255.255.250", "255.255.255.255", "240.0.0.1",
  "[::1]", "[::]", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]", "[fec0::1]", "[ff02::1]", "[2001:db8::1]", "[100::1]",
  "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::ffff:169.254.169.254]", "[::ffff:10.0.0.1]", "[::ffff:0:7f00:1]",
  "[64:ff9b::a9fe:a9fe]", "[64:ff9b::7f00:1]", "[64:ff9b:1::a00:1]", "[2002:a9fe:a9fe::1]", "[2002:7f00:1::]", "[2002:c0a8:101::]",
  "[2001:0:1:2:3:4:80ff:fffe]", "[::127.0.0.1]", "[::a9fe:a9fe]",
];
const REFUSED_NAMES = [
  "localhost", "localhost.", "LOCALHOST", "foo.localhost", "foo.localhost.", "metadata.google.internal", "metadata.google.internal.",
  "metadata", "instance-data", "db.internal", "printer.local", "nas.home.arpa", "intranet", "router.lan",
];
// Names whose DNS answers are refused (wildcard DNS to loopback, rebinding with one private answer…).
const REFUSED_RESOLVED: [string, string[]][] = [
  ["127.0.0.1.nip.example", ["127.0.0.1"]],
  ["loopback6.example", ["::1"]],
  ["rebind.example", ["93.184.216.34", "10.0.0.1"]],
  ["metadata-alias.example", ["169.254.169.254"]],
  ["mapped.example", ["::ffff:192.168.0.1"]],
  ["nat64.example", ["64:ff9b::a9fe:a9fe"]],
  ["bench.example", ["198.18.5.5"]],
  ["cgnat.example", ["100.64.1.1"]],
  ["nothing.example", []],
];
const ACCEPTED: [string, string[]][] = [
  ["portal.example.com", ["93.184.216.34"]],
  ["portal6.example.com", ["2606:4700:4700::1111"]],
  ["both.example.com", ["93.184.216.34", "2606:4700:4700::1111"]],
  ["mapped-public.example.com", ["::ffff:93.184.216.34"]],
];
const LITERAL_ACCEPTED = ["93.184.216.34", "[2606:4700:4700::1111]"];

function fakeDns(table: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const r = (async (name: string) => {
    calls.push(name);
    const answers = table[name];
    if (answers === undefined) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  }) as Resolver & { calls: string[] };
  r.calls = calls;
  return r;
}
function spyTransport(): CallbackTransport & { targets: string[] } {
  const targets: string[] = [];
  const t = (async (target: { address: string }) => {
    targets.push(target.address);
    return { status: 204 };
  }) as unknown as CallbackTransport & { targets: string[] };
  t.targets = targets;
  return t;
}

const intake = (url: string) =>
  validateApplication({ type: "enterprise", customer_id: "c1", corp_name: "Acme", certificate_type: 99, verified_number: "X1", callback_url: url, attachments: { mode: "upload", files: [{ role: "company_certificate", size: 10 }] } });
const intakeError = (url: string) => {
  const r = intake(url);
  return r.ok ? undefined : r.errors.find((e) => e.field === "callback_url")?.message;
};

describe("SSRF address table", () => {
  it.each(REFUSED_LITERALS)("literal %s: refused at intake and before connecting", async (host) => {
    expect(intakeError(`https://${host}/cb`)).toMatch(/must not/);
    const dns = fakeDns({});
    const transport = spyTransport();
    const r = await postSignedCallback(`https://${host}/cb`, { a: 1 }, [SECRET], { resolve: dns, transport });
    expect(r.ok).toBe(false);
    expect(transport.targets).toEqual([]);
    expect(dns.calls).toEqual([]); // a literal is never looked up
  });

  it.each(REFUSED_NAMES)("name %s: refused at intake and before resolving", async (host) => {
    expect(intakeError(`https://${host}/cb`)).toMatch(/must/);
    const dns = fakeDns({ [host.replace(/\.$/, "")]: ["93.184.216.34"] });
    const transport = spyTransport();
    const r = await postSignedCallback(`https://${host}/cb`, {}, [SECRET], { resolve: dns, transport });
    expect(r.ok).toBe(false);
    expect(dns.calls).toEqual([]);
    expect(transport.targets).toEqual([]);
  });

  it.each(REFUSED_RESOLVED)("%s resolving to %j: refused before connecting", async (host, answers) => {
    expect(intakeError(`https://${host}/cb`)).toBeUndefined(); // a public-looking name passes intake…
    const dns = fakeDns({ [host]: answers });
    const transport = spyTransport();
    const r = await postSignedCallback(`https://${host}/cb`, {}, [SECRET], { resolve: dns, transport });
    expect(r).toMatchObject({ ok: false, reason: expect.stringMatching(/^callback_url (resolves to a refused address|.*does not resolve)/) }); // …and is refused at connect time
    expect(transport.targets).toEqual([]);
  });

  it.each(ACCEPTED)("%s resolving to %j: resolved once, connected to the checked address", async (host, answers) => {
    expect(intakeError(`https://${host}/cb`)).toBeUndefined();
    const dns = fakeDns({ [host]: answers });
    const transport = spyTransport();
    expect(await postSignedCallback(`https://${host}/cb`, {}, [SECRET], { resolve: dns, transport })).toEqual({ ok: true, status: 204 });
    expect(dns.calls).toEqual([host]);
    expect(transport.targets).toEqual([answers[0]]);
  });

  it.each(LITERAL_ACCEPTED)("public literal %s is accepted without a lookup", async (host) => {
    expect(intakeError(`https://${host}/cb`)).toBeUndefined();
    const dns = fakeDns({});
    const transport = spyTransport();
    expect((await postSignedCallback(`https://${host}/cb`, {}, [SECRET], { resolve: dns, transport })).ok).toBe(true);
    expect(dns.calls).toEqual([]);
  });

  it("http:// is refused unless the loopback allowance is on", async () => {
    const transport = spyTransport();
    expect((await postSignedCallback("http://portal.example.com/cb", {}, [SECRET], { resolve: fakeDns({ "portal.example.com": ["93.184.216.34"] }), transport })).ok).toBe(false);
    expect(intakeError("http://portal.example.com/cb")).toMatch(/https/);
    expect(transport.targets).toEqual([]);
  });
});

describe("callback transport on loopback (allowance on, as the local engine sets it)", () => {
  async function server(answer: (n: number) => { status: number; headers?: Record<string, string> }) {
    const seen: { host: string | undefined; path: string | undefined }[] = [];
    const s = createServer((req, res) => {
      seen.push({ host: req.headers.host, path: req.url });
      req.resume();
      const a = answer(seen.length);
      res.writeHead(a.status, a.headers).end();
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    return { port: (s.address() as AddressInfo).port, seen, close: () => new Promise<void>((r) => s.close(() => r())) };
  }

  it("connects to the checked address with the name in Host; the allowance off refuses before connecting", async () => {
    const srv = await server(() => ({ status: 204 }));
    try {
      const dns = fakeDns({ "portal.test": ["127.0.0.1"] });
      const url = `http://portal.test:${srv.port}/hooks?x=1`;
      expect(await postSignedCallback(url, { a: 1 }, [SECRET], { resolve: dns, allowLoopback: true })).toEqual({ ok: true, status: 204 });
      expect(srv.seen).toEqual([{ host: `portal.test:${srv.port}`, path: "/hooks?x=1" }]);
      expect(dns.calls).toEqual(["portal.test"]);
      const off = await postSignedCallback(`http://127.0.0.1:${srv.port}/cb`, {}, [SECRET], {});
      expect(off.ok).toBe(false);
      expect(srv.seen).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });

  it("never follows a redirect", async () => {
    const srv = await server(() => ({ status: 302, headers: { location: "http://169.254.169.254/latest/meta-data/" } }));
    try {
      const r = await postSignedCallback(`http://127.0.0.1:${srv.port}/cb`, {}, [SECRET], { allowLoopback: true });
      expect(r).toMatchObject({ ok: false, status: 302, reason: expect.stringContaining("not followed") });
      expect(srv.seen).toHaveLength(1);
    } finally {
      await srv.close();
    }
  });
});
