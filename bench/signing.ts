/**
 * Signing throughput: our signer vs. the official @huaweicloud/huaweicloud-sdk-core signer
 * (AKSKSigner.sign) on identical requests, interleaved rounds in the same process.
 * Target: >= 3x sdk-core.
 */
import { createRequire } from "node:module";
import { signRequest } from "../shared/signing/index.ts";
import { formatTable, isMain, median, opsPerSecond, type BenchResult } from "./lib.ts";

const require = createRequire(import.meta.url);
const { AKSKSigner } = require("@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner") as {
  AKSKSigner: { sign(request: unknown, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

const ak = "BENCHAK0000000000001";
const sk = "BenchSecretKey000000000000000000000000001";

// A realistic mix: the BSS calls partner-ops makes most.
const requests = [
  {
    method: "POST",
    endpoint: "https://bss.myhuaweicloud.com/v2/orders/suscriptions/resources/query",
    query: {},
    data: { customer_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", offset: 100, limit: 100, only_main_resource: 0, status_list: [2, 4, 5] },
  },
  {
    method: "POST",
    endpoint: "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query",
    query: {},
    data: { offset: 0, limit: 100, association_type: "2" },
  },
  {
    method: "GET",
    endpoint: "https://bss.myhuaweicloud.com/v2/orders/customer-orders",
    query: { customer_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9", order_type: "2", status: "6", limit: "100", offset: "0" },
    data: undefined,
  },
  {
    method: "GET",
    endpoint: "https://bss.myhuaweicloud.com/v2/customers/realname-auths/result",
    query: { customer_id: "0a1b2c3d4e5f60718293a4b5c6d7e8f9" },
    data: undefined,
  },
] as const;

const prepared = requests.map((r) => {
  const qs = Object.entries(r.query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  const headers = { "X-Sdk-Date": "20261124T091522Z", "content-type": "application/json" };
  return {
    ours: { method: r.method, url: r.endpoint + (qs ? "?" + qs : ""), headers, ...(r.data ? { body: JSON.stringify(r.data) } : {}) },
    sdk: { endpoint: r.endpoint, method: r.method, headers, queryParams: r.query, data: r.data },
  };
});
const credential = { getAk: () => ak, getSk: () => sk };

export async function run(options: { ms?: number; rounds?: number } = {}): Promise<BenchResult> {
  const ms = options.ms ?? 400;
  const rounds = options.rounds ?? 5;
  // Same signature from both before measuring anything.
  for (const p of prepared) {
    const a = signRequest(p.ours, { ak, sk }).headers["Authorization"];
    const b = AKSKSigner.sign({ ...p.sdk, headers: { ...p.sdk.headers } }, credential)["Authorization"];
    if (a !== b) throw new Error(`signers disagree on ${p.ours.method} ${p.ours.url}`);
  }
  let i = 0;
  const ours = () => {
    signRequest(prepared[i++ & 3]!.ours, { ak, sk });
  };
  let j = 0;
  const sdk = () => {
    const p = prepared[j++ & 3]!.sdk;
    AKSKSigner.sign({ ...p, headers: { ...p.headers } }, credential);
  };
  opsPerSecond(ours, 200); // warm-up
  opsPerSecond(sdk, 200);
  const oursRuns: number[] = [];
  const sdkRuns: number[] = [];
  for (let r = 0; r < rounds; r++) {
    oursRuns.push(opsPerSecond(ours, ms));
    sdkRuns.push(opsPerSecond(sdk, ms));
  }
  const oursRate = median(oursRuns);
  const sdkRate = median(sdkRuns);
  const ratio = oursRate / sdkRate;
  return {
    name: "signing",
    rows: [
      {
        metric: "signs/s",
        value: Math.round(oursRate),
        baseline: { name: "sdk-core AKSKSigner", value: Math.round(sdkRate) },
        ratio,
        target: ">= 3x",
        pass: ratio >= 3,
      },
    ],
    notes: [`median of ${rounds} interleaved rounds of ${ms} ms, ${prepared.length} request shapes, identical signatures checked first`],
  };
}

if (isMain(import.meta.url)) {
  const result = await run();
  console.log(formatTable([result]));
  for (const n of result.notes ?? []) console.log(`note: ${n}`);
}
