import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRoute, encodeBody, matchRoute, toHttpApiEvent, toHttpReply, type RequestInfo } from "../../../local/engine/http.ts";
import { encodeS3EventKey, s3EventRecord, subscriptionMatches, type S3Subscription } from "../../../local/engine/s3-notify.ts";
import { recipientMatches, rulesFor } from "../../../local/engine/smtp.ts";
import { interpretBatchResponse } from "../../../local/engine/sqs-mapping.ts";
import { formatBanner } from "../../../local/engine/banner.ts";

describe("ReportBatchItemFailures interpretation (Lambda's rules)", () => {
  const ids = ["a", "b", "c"];
  it("treats empty answers as full success", () => {
    for (const r of [undefined, null, {}, { batchItemFailures: [] }, { batchItemFailures: null }]) expect(interpretBatchResponse(r, ids)).toEqual({ keep: [] });
  });
  it("keeps exactly the reported ids", () => {
    expect(interpretBatchResponse({ batchItemFailures: [{ itemIdentifier: "b" }, { itemIdentifier: "b" }] }, ids)).toEqual({ keep: ["b"] });
  });
  it("fails the whole batch on malformed answers", () => {
    for (const r of ["x", [], { batchItemFailures: "a" }, { batchItemFailures: [{}] }, { batchItemFailures: [{ itemIdentifier: "" }] }, { batchItemFailures: [{ itemIdentifier: "zz" }] }, { batchItemFailures: [null] }]) {
      expect(interpretBatchResponse(r, ids).keep, JSON.stringify(r)).toBe("all");
    }
  });
  it("property: any subset of known ids is kept as reported", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 10 }), fc.array(fc.nat()), (all, picks) => {
        const chosen = [...new Set(picks.map((p) => all[p % all.length]!))];
        const out = interpretBatchResponse({ batchItemFailures: chosen.map((itemIdentifier) => ({ itemIdentifier })) }, all);
        expect(out).toEqual({ keep: chosen });
      }),
    );
  });
});

describe("HTTP routes", () => {
  const routes = [
    compileRoute("list", { type: "httpApi", method: "GET", path: "/items" }),
    compileRoute("one", { type: "httpApi", method: "GET", path: "/items/{id}" }),
    compileRoute("special", { type: "httpApi", method: "GET", path: "/items/special" }),
    compileRoute("proxy", { type: "httpApi", method: "*", path: "/files/{path+}" }),
    compileRoute("fallback", { type: "httpApi", method: "*", path: "*" }),
    compileRoute("legacy", { type: "http", method: "POST", path: "/hooks/{name}" }),
  ];
  it("prefers static segments, then parameters, then greedy paths, then the catch-all", () => {
    expect(matchRoute(routes, "GET", "/items")?.route.fn).toBe("list");
    expect(matchRoute(routes, "GET", "/items/")?.route.fn).toBe("list");
    expect(matchRoute(routes, "GET", "/items/special")?.route.fn).toBe("special");
    expect(matchRoute(routes, "GET", "/items/a%2Fb")).toMatchObject({ route: { fn: "one" }, pathParameters: { id: "a/b" } });
    expect(matchRoute(routes, "DELETE", "/files/a/b/c.txt")).toMatchObject({ route: { fn: "proxy" }, pathParameters: { path: "a/b/c.txt" } });
    expect(matchRoute(routes, "POST", "/items")?.route.fn).toBe("fallback");
    expect(matchRoute(routes, "POST", "/hooks/portal")).toMatchObject({ route: { fn: "legacy", kind: "http" }, pathParameters: { name: "portal" } });
    expect(matchRoute(routes.slice(0, 3), "GET", "/other")).toBeUndefined();
    expect(routes[1]!.routeKey).toBe("GET /items/{id}");
    expect(routes[4]!.routeKey).toBe("$default");
  });

  it("passes text bodies as text and anything else as base64, byte for byte (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom("application/json", "text/plain; charset=utf-8", "application/octet-stream", "image/png", undefined), (bytes, ct) => {
        const raw = Buffer.from(bytes);
        const { body, isBase64Encoded } = encodeBody(raw, ct);
        const back = body === undefined ? Buffer.alloc(0) : Buffer.from(body, isBase64Encoded ? "base64" : "utf8");
        expect(back.equals(raw)).toBe(true);
        if (ct === "application/octet-stream" && raw.length > 0) expect(isBase64Encoded).toBe(true);
      }),
    );
  });

  it("builds an API Gateway v2 event", () => {
    const req: RequestInfo = {
      method: "POST",
      url: new URL("http://localhost/items/7?a=1&a=2&b=x"),
      headers: { "content-type": "application/json" },
      rawHeaders: ["Content-Type", "application/json", "X-Sig", "s1", "x-sig", "s2", "Cookie", "a=1; b=2", "Host", "127.0.0.1:3000"],
      sourceIp: "127.0.0.1",
      raw: Buffer.from('{"k":1}'),
      requestId: "rid",
      now: new Date("2026-01-02T03:04:05Z"),
    };
    const e = toHttpApiEvent(req, routes[1]!, { id: "7" });
    expect(e).toMatchObject({
      version: "2.0",
      routeKey: "GET /items/{id}",
      rawPath: "/items/7",
      rawQueryString: "a=1&a=2&b=x",
      cookies: ["a=1", "b=2"],
      headers: { "content-type": "application/json", "x-sig": "s1,s2", host: "127.0.0.1:3000" },
      queryStringParameters: { a: "1,2", b: "x" },
      pathParameters: { id: "7" },
      body: '{"k":1}',
      isBase64Encoded: false,
      requestContext: { http: { method: "POST", path: "/items/7", sourceIp: "127.0.0.1" }, requestId: "rid", stage: "$default", time: "02/Jan/2026:03:04:05 +0000", timeEpoch: req.now.getTime() },
    });
  });

  it("maps results like API Gateway (2.0 infers 200 JSON; 1.0 needs statusCode)", () => {
    expect(toHttpReply("httpApi", { statusCode: 201, headers: { "X-A": "1" }, body: "ok", cookies: ["c=1"] })).toMatchObject({ status: 201, headers: { "x-a": "1", "set-cookie": ["c=1"] } });
    expect(toHttpReply("httpApi", { statusCode: 200, body: Buffer.from([1, 2]).toString("base64"), isBase64Encoded: true }).body).toEqual(Buffer.from([1, 2]));
    const inferred = toHttpReply("httpApi", { hello: "world" });
    expect([inferred.status, inferred.body.toString()]).toEqual([200, '{"hello":"world"}']);
    expect(toHttpReply("httpApi", "plain").headers["content-type"]).toMatch(/text\/plain/);
    expect(toHttpReply("http", { hello: "world" }).status).toBe(502);
    expect(toHttpReply("httpApi", { statusCode: 99 }).status).toBe(502);
  });
});

describe("S3 notifications", () => {
  const sub: S3Subscription = { fn: "mail", bucket: "b", event: "s3:ObjectCreated:*", rules: [{ prefix: "inbound/" }, { suffix: ".eml" }], configurationId: "c" };
  it("matches bucket, event name and prefix/suffix rules", () => {
    expect(subscriptionMatches(sub, "b", "inbound/x.eml")).toBe(true);
    expect(subscriptionMatches(sub, "b", "inbound/x.txt")).toBe(false);
    expect(subscriptionMatches(sub, "b", "other/x.eml")).toBe(false);
    expect(subscriptionMatches(sub, "c", "inbound/x.eml")).toBe(false);
    expect(subscriptionMatches({ ...sub, event: "s3:ObjectCreated:Put", rules: [] }, "b", "k")).toBe(true);
    expect(subscriptionMatches({ ...sub, event: "s3:ObjectCreated:Copy", rules: [] }, "b", "k")).toBe(false);
    expect(subscriptionMatches({ ...sub, event: "s3:ObjectRemoved:*", rules: [] }, "b", "k")).toBe(false);
  });

  it("URL-encodes keys like S3 event notifications (space → +, slashes kept) and round-trips (property)", () => {
    expect(encodeS3EventKey("inbound/red flower (1).jpg")).toBe("inbound/red+flower+%281%29.jpg");
    expect(encodeS3EventKey("发票/a+b.pdf")).toBe("%E5%8F%91%E7%A5%A8/a%2Bb.pdf");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 40 }), (key) => {
        const enc = encodeS3EventKey(key);
        expect(enc).toMatch(/^[A-Za-z0-9.\-_*/+%]*$/);
        expect(decodeURIComponent(enc.replace(/\+/g, " "))).toBe(key);
      }),
    );
  });

  it("builds a record with unquoted eTag and the encoded key", () => {
    const r = s3EventRecord({ fn: "f", bucket: "b", key: "inbound/a b", eventName: "ObjectCreated:Put", eventTime: "2026-01-01T00:00:00.000Z", sequencer: "00ABC", configurationId: "cfg" }, { size: 5, eTag: '"abc"' }, "eu-west-1");
    expect(r.s3.object).toEqual({ key: "inbound/a+b", size: 5, eTag: "abc", sequencer: "00ABC" });
    expect(r).toMatchObject({ eventSource: "aws:s3", awsRegion: "eu-west-1", eventName: "ObjectCreated:Put", s3: { bucket: { name: "b", arn: "arn:aws:s3:::b" }, configurationId: "cfg" } });
  });
});

describe("SES recipient rules", () => {
  it("matches addresses, domains and subdomains like SES", () => {
    expect(recipientMatches(["invoices@acme.example"], "Invoices@ACME.example")).toBe(true);
    expect(recipientMatches(["invoices@acme.example"], "other@acme.example")).toBe(false);
    expect(recipientMatches(["acme.example"], "x@acme.example")).toBe(true);
    expect(recipientMatches(["acme.example"], "x@mail.acme.example")).toBe(false);
    expect(recipientMatches([".acme.example"], "x@mail.acme.example")).toBe(true);
    expect(recipientMatches([], "anyone@anywhere")).toBe(true);
  });
  it("picks each enabled rule once per bucket+prefix", () => {
    const rules = [
      { logicalId: "A", name: "a", enabled: true, recipients: ["acme.example"], bucket: "b", prefix: "in/" },
      { logicalId: "B", name: "b", enabled: true, recipients: ["x@acme.example"], bucket: "b", prefix: "in/" },
      { logicalId: "C", name: "c", enabled: false, recipients: [], bucket: "c", prefix: "" },
    ];
    expect(rulesFor(rules, ["x@acme.example"]).map((r) => r.logicalId)).toEqual(["B"]);
    expect(rulesFor(rules, ["y@other.example"])).toEqual([]);
  });
});

describe("banner", () => {
  it("shows the webhook URL, SMTP port, queues with their DLQ, data dir and BSS mode", () => {
    const text = formatBanner({
      service: "svc",
      stage: "local",
      serviceFile: "/x/serverless.yml",
      dataDir: "/x/.partner-ops",
      http: "http://127.0.0.1:3000",
      routes: [{ method: "POST", path: "/hooks/realname", fn: "realname-intake" }],
      smtp: { host: "127.0.0.1", port: 2525, recipients: ["invoices.example.com"] },
      queues: [{ name: "q", dlq: "q-dlq", maxReceiveCount: 5, consumers: ["worker"] }],
      schedules: [{ fn: "tick", expression: "cron(0 1 * * ? *)", next: "2026-01-01T01:00:00.000Z" }],
      s3: [],
      bss: { mode: "sandbox", url: "http://127.0.0.1:4000" },
      aws: { sqsS3: "http://127.0.0.1:1", dynamodb: "http://127.0.0.1:2" },
      functions: [{ name: "worker", events: ["sqs"], loaded: false, error: "boom" }],
      warnings: ["w1"],
    });
    for (const part of ["http://127.0.0.1:3000/hooks/realname", "127.0.0.1:2525", "q → DLQ q-dlq after 5 receives", "/x/.partner-ops", "sandbox at http://127.0.0.1:4000", "✗ boom", "w1"]) expect(text).toContain(part);
  });
});
