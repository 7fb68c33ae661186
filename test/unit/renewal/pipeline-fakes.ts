/** In-memory ports for the renewal pipeline tests (same semantics as shared/ledger's conditional writes). */
import type { ClaimOutcome } from "../../../shared/ledger/index.ts";
import type { Envelope } from "../../../shared/queue/envelope.ts";
import type { LedgerPort, PublishPort } from "../../../shared/renewal/pipeline.ts";

export interface MemRecord {
  status: "claimed" | "done";
  claimedAt: number;
  attrs?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

export class MemLedger implements LedgerPort {
  readonly records = new Map<string, MemRecord>();
  now = 0;
  async claim(key: string, attrs?: Record<string, unknown>, options: { staleAfterSeconds?: number } = {}): Promise<ClaimOutcome> {
    const r = this.records.get(key);
    const stale = r && r.status === "claimed" && options.staleAfterSeconds !== undefined && r.claimedAt < this.now - options.staleAfterSeconds * 1000;
    if (r && !stale) return r.status === "done" ? "done" : "busy";
    this.records.set(key, { status: "claimed", claimedAt: this.now, ...(attrs ? { attrs } : {}) });
    return "new";
  }
  async complete(key: string, result?: Record<string, unknown>): Promise<void> {
    const r = this.records.get(key);
    if (!r) throw new Error(`complete of unclaimed ${key}`);
    r.status = "done";
    if (result) r.result = result;
  }
  async release(key: string): Promise<void> {
    if (this.records.get(key)?.status === "claimed") this.records.delete(key);
  }
  async get(key: string) {
    return this.records.get(key);
  }
  keys(prefix: string): string[] {
    return [...this.records.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
}

/** Collects published envelopes; `failNext(n | ids)` makes the next call fail for some or all entries. */
export class MemQueue {
  readonly sent: Envelope[] = [];
  private failure: { all: boolean; count: number; withReport: boolean } | undefined;
  failNext(count: number, withReport = true): void {
    this.failure = { all: false, count, withReport };
  }
  failAllNext(withReport = false): void {
    this.failure = { all: true, count: 0, withReport };
  }
  readonly publish: PublishPort = async (envelopes) => {
    const f = this.failure;
    this.failure = undefined;
    if (!f) {
      this.sent.push(...envelopes);
      return;
    }
    if (f.all) {
      if (f.withReport) throw Object.assign(new Error("all failed"), { failed: envelopes.map((e) => ({ id: e.id })) });
      throw new Error("connection reset");
    }
    const failed = envelopes.slice(0, f.count);
    this.sent.push(...envelopes.slice(f.count));
    throw Object.assign(new Error(`${failed.length} failed`), { failed: failed.map((e) => ({ id: e.id })) });
  };
}

export async function* iter<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (const x of xs) yield x;
}
