/**
 * Regression (issue 11.1 audit): the auto-renew outcome report is claimed, sent, completed. A report claim
 * left by a crash (younger than its stale time) counted as "reported": the redelivered message ended and
 * the account manager never heard of the outcome. Now a busy report claim makes the message come back.
 */
import { describe, expect, it } from "vitest";
import { RenewalAutoRenew, autoRenewEnvelopeId, autoRenewKeys, parseAutoRenewSettings, stateKeyOf, type OutcomeReport } from "../../../shared/renewal/autorenew.ts";
import { AutoRenewTransientError, processAutoRenew, type AutoRenewBssPort } from "../../../shared/renewal/autorenew-pipeline.ts";
import { AUTORENEW_REPORT_STALE_SECONDS, RENEWAL_QUEUES } from "../../../shared/renewal/timing.ts";
import { MemLedger } from "./pipeline-fakes.ts";

class UpdatableLedger extends MemLedger {
  async update(key: string, attrs: Record<string, unknown>) {
    const r = this.records.get(key);
    if (r?.status !== "claimed") throw new Error("not claimed");
    r.attrs = attrs;
  }
}

const data = { mode: "dry-run" as const, runDate: "2026-07-01", customer: { customerId: "c1", reportTo: "am@partner.example" }, mainResourceId: "ecs-1", expireTime: "2026-07-08T15:59:59Z", window: "7d" };
const stateKey = stateKeyOf("dry-run", data);
const message = RenewalAutoRenew.create(data, { id: autoRenewEnvelopeId(stateKey) });
const noBss = new Proxy({}, { get: () => () => Promise.reject(new Error("no BSS call expected")) }) as AutoRenewBssPort;

describe("auto-renew outcome report claim", () => {
  it("a report claim left by a crash is retried until stale, then the report is sent once", async () => {
    const ledger = new UpdatableLedger();
    await ledger.claim(stateKey, { state: "claimed" });
    await ledger.complete(stateKey, { state: "dry-run", wouldRenew: true, amount: 12 });
    await ledger.claim(autoRenewKeys.report(stateKey, "dry-run"), { state: "dry-run" }); // crashed attempt, t = 0
    const reports: OutcomeReport[] = [];
    const run = () =>
      processAutoRenew({ message, settings: parseAutoRenewSettings({ RENEWAL_AUTORENEW_MODE: "dry-run" }), ledger, bss: noBss, report: async (r) => void reports.push(r), errorFacts: () => undefined, now: () => ledger.now });

    ledger.now = RENEWAL_QUEUES.autoRenew.visibilityTimeoutSeconds * 1000; // first redelivery
    await expect(run()).rejects.toBeInstanceOf(AutoRenewTransientError);
    expect(reports).toHaveLength(0);

    ledger.now = (AUTORENEW_REPORT_STALE_SECONDS + 1) * 1000;
    expect(await run()).toMatchObject({ outcome: "dry-run", reported: true, alreadyDone: true });
    expect(reports).toHaveLength(1);
    expect(await run()).toMatchObject({ reported: false });
    expect(reports).toHaveLength(1);
  });
});
