/**
 * Signing throughput on the production path: our signer vs. the official
 * @huaweicloud/huaweicloud-sdk-core signer (AKSKSigner.sign), interleaved rounds in one process.
 * Target: >= 3x sdk-core.
 *
 * "Production path" means each signer gets what it gets in production, for the same requests:
 * - ours: exactly the call shared/bss/transport.ts makes per attempt — url from buildUrl, `query`
 *   from cleanQuery, headers `{ "Content-Type": "application/json" }` without X-Sdk-Date (the signer
 *   stamps the clock), the JSON body text, and `now` as the transport passes it;
 * - sdk-core: what its HcClient hands the signer — endpoint + path, `queryParams`, the same
 *   Content-Type header without X-Sdk-Date (it stamps its own), and `data` (the body object).
 * The pool holds 1,000 requests over the BSS calls partner-ops makes most, each with a different
 * customer id (no repeated strings for either signer to profit from). Both signers are first checked
 * to produce the same Authorization for every request of the pool at one fixed time (the only time
 * a date header is passed).
 */
import { createRequire } from "node:module";
import { buildUrl, cleanQuery, type Query } from "../shared/bss/url.ts";
import { signRequest } from "../shared/signing/index.ts";
import { formatTable, isMain, median, opsPerCpuSecond, type BenchResult } from "./lib.ts";

const require = createRequire(import.meta.url);
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner") as {
  AKSKSigner: { sign(request: unknown, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

const ak = "BENCHAK0000000000001";
const sk = "BenchSecretKey000000000000000000000000001";
const ENDPOINT = "https://bss-intl.myhuaweicloud.com";
const POOL = 1000;

interface Shape {
  method: "GET" | "POST";
  path: string;
  query?: (id: string, i: number) => Query;
  body?: (id: string, i: number) => unknown;
}
// The calls the renewal scan, real-name and auto-renew flows make most (paths as shared/bss/operations.ts has them).
const shapes: Shape[] = [
  {
    method: "POST",
    path: "/v2/orders/suscriptions/resources/query",
    body: (id, i) => ({ customer_id: id, offset: (i % 5) * 100, limit: 100, only_main_resource: 0, status_list: [2, 4, 5] }),
  },
  { method: "POST", path: "/v2/partners/sub-customers/query", body: (_id, i) => ({ offset: i * 100, limit: 100, association_type: "2" }) },
  {
    method: "GET",
    path: "/v2/orders/customer-orders",
    query: (id, i) => ({ customer_id: id, order_type: "2", status: 6, limit: 100, offset: (i % 3) * 100 }),
  },
  { method: "GET", path: "/v2/customers/realname-auths/result", query: (id) => ({ customer_id: id }) },
];

function customerId(i: number): string {
  // 32 hex characters like a BSS customer id, different for every request.
  return (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(32, "0").slice(-32);
}

interface Pair {
  ours: { method: string; url: string; query: Record<string, string | string[]>; body?: string };
  sdk: { endpoint: string; method: string; queryParams: Record<string, string | string[]>; data: unknown };
}

export function pool(n = POOL): Pair[] {
  const out: Pair[] = [];
  for (let i = 0; i < n; i++) {
    const s = shapes[i % shapes.length]!;
    const id = customerId(i);
    const q = s.query?.(id, i);
    const data = s.body?.(id, i);
    // As the transport does it (shared/bss/transport.ts send()).
    const url = buildUrl(ENDPOINT, s.path, q);
    const query = cleanQuery(q);
    const bodyText = data === undefined ? undefined : JSON.stringify(data);
    out.push({
      ours: { method: s.method, url, query, ...(bodyText !== undefined ? { body: bodyText } : {}) },
      sdk: { endpoint: ENDPOINT + s.path, method: s.method, queryParams: query, data },
    });
  }
  return out;
}

const credentials = { ak, sk };
const credential = { getAk: () => ak, getSk: () => sk };

export async function run(options: { ms?: number; rounds?: number } = {}): Promise<BenchResult> {
  const ms = options.ms ?? 400;
  const rounds = options.rounds ?? 7;
  const pairs = pool();
  // Same signature from both at one fixed time, before measuring anything.
  const fixed = "20261124T091522Z";
  for (const p of pairs) {
    const a = signRequest({ ...p.ours, headers: { "Content-Type": "application/json", "X-Sdk-Date": fixed } }, credentials).headers["Authorization"];
    const b = AKSKSigner.sign({ ...p.sdk, headers: { "Content-Type": "application/json", "X-Sdk-Date": fixed } }, credential)["Authorization"];
    if (a !== b) throw new Error(`signers disagree on ${p.ours.method} ${p.ours.url}`);
  }
  const now = Date.now; // the transport's default clock
  let i = 0;
  const ours = (): void => {
    const p = pairs[i++ % POOL]!.ours;
    // transport.ts: a fresh headers object and a fresh signature per attempt.
    signRequest({ ...p, headers: { "Content-Type": "application/json" } }, credentials, { now: () => new Date(now()) });
  };
  let j = 0;
  const sdk = (): void => {
    const p = pairs[j++ % POOL]!.sdk;
    AKSKSigner.sign({ ...p, headers: { "Content-Type": "application/json" } }, credential);
  };
  opsPerCpuSecond(ours, 300); // warm-up
  opsPerCpuSecond(sdk, 300);
  const oursRuns: number[] = [];
  const sdkRuns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursRuns.push(opsPerCpuSecond(ours, ms));
    sdkRuns.push(opsPerCpuSecond(sdk, ms));
  }
  const oursRate = median(oursRuns);
  const sdkRate = median(sdkRuns);
  const ratio = oursRate / sdkRate;
  return {
    name: "signing",
    rows: [
      {
        metric: "signs/s (production path)",
        value: Math.round(oursRate),
        baseline: { name: "sdk-core AKSKSigner", value: Math.round(sdkRate) },
        ratio,
        target: ">= 3x",
        pass: ratio >= 3,
      },
    ],
    notes: [
      `signs per CPU-second of the process (the machine is shared; descheduled time does not count), median of ${rounds} interleaved rounds of ${ms} ms over ${POOL} requests (${shapes.length} BSS call shapes, a different customer id each), no X-Sdk-Date given (each signer stamps the clock), query and body as transport.ts passes them; identical signatures checked first`,
    ],
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(formatTable([result]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
}
