/**
 * Ledger: DynamoDB records of things that must be done exactly once (a reminder sent for a
 * window, an application submitted, an invoice notice stored). Conditional writes make the claim
 * atomic across concurrent functions and retries.
 *
 *   const outcome = await ledger.claim("reminder#c1#res9#T-7", { customerId: "c1" }, { staleAfterSeconds });
 *   if (outcome === "done") return;                 // someone already did it
 *   if (outcome === "busy") throw new Retry();     // someone is doing it (or crashed doing it): come back later
 *   await sendReminder(...);
 *   await ledger.complete("reminder#c1#res9#T-7", { messageId });
 *   // on failure before completing: await ledger.release(key) so a retry can claim again
 *
 * A claim that is not completed never counts as done: "busy" means "not known to be done", and the caller
 * must retry (SQS redelivery) until the record is done or the claim is stale and taken over. The stale
 * time must exceed the longest a live holder can keep a claim (the function timeout / the queue's
 * visibility timeout: shared/renewal/timing.ts derives them from serverless.yml's values).
 *
 * Table: partition key `pk` (string); TTL attribute `expiresAt` (epoch seconds).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";

export type LedgerStatus = "claimed" | "done";

export interface LedgerRecord {
  pk: string;
  status: LedgerStatus;
  claimedAt: string;
  completedAt?: string;
  expiresAt: number;
  attrs?: Record<string, unknown>;
  result?: Record<string, unknown>;
}

export interface LedgerOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  /** How long records live before DynamoDB TTL removes them. Default 400 days. */
  ttlSeconds?: number;
  now?: () => Date;
}

export interface ClaimOptions {
  /** A "claimed" (never completed) record older than this may be claimed again (crash recovery). */
  staleAfterSeconds?: number;
  ttlSeconds?: number;
}

/**
 * The outcome of a claim: "new" — this caller now owns the key; "done" — the work was completed;
 * "busy" — another caller holds a claim that is not completed (nor stale yet): the work may or may not
 * happen, so it must NOT be treated as done (retry later).
 */
export type ClaimOutcome = "new" | "done" | "busy";

export class LedgerError extends Error {
  override name = "LedgerError";
}

export interface Ledger {
  /** "new" if this caller now owns the key; "done" if completed; "busy" if claimed by someone else (see ClaimOutcome). */
  claim(key: string, attrs?: Record<string, unknown>, options?: ClaimOptions): Promise<ClaimOutcome>;
  /** Marks a claimed key done (idempotent if already done). */
  complete(key: string, result?: Record<string, unknown>): Promise<void>;
  /** Drops a claim that was not completed, so the work can be retried. Never drops a done record. */
  release(key: string): Promise<void>;
  /**
   * Replaces the attrs of a record that is still "claimed" (progress of a multi-step job, e.g.
   * claimed → ordered). Throws LedgerError when the key is missing or already done.
   */
  update(key: string, attrs: Record<string, unknown>): Promise<void>;
  get(key: string): Promise<LedgerRecord | undefined>;
  /**
   * Writes (or overwrites) a "done" record that claims nothing: an observation kept for operators, e.g.
   * why a queue message failed (shared/queue/failures.ts). Never use it for exactly-once work.
   */
  note(key: string, attrs: Record<string, unknown>, options?: { ttlSeconds?: number }): Promise<void>;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === "ConditionalCheckFailedException";
}

export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function createLedger(options: LedgerOptions): Ledger {
  const doc = options.client ?? createDocumentClient();
  const TableName = options.tableName;
  const now = options.now ?? (() => new Date());
  const defaultTtl = options.ttlSeconds ?? 400 * 86_400;
  const checkKey = (key: string) => {
    if (key.length === 0 || Buffer.byteLength(key) > 1024) throw new LedgerError("ledger key must be 1–1024 bytes");
  };

  return {
    async claim(key, attrs, claimOptions = {}) {
      checkKey(key);
      const at = now();
      const item: LedgerRecord = {
        pk: key,
        status: "claimed",
        claimedAt: at.toISOString(),
        expiresAt: Math.floor(at.getTime() / 1000) + (claimOptions.ttlSeconds ?? defaultTtl),
        ...(attrs ? { attrs } : {}),
      };
      const stale = claimOptions.staleAfterSeconds;
      try {
        await doc.send(
          new PutCommand({
            TableName,
            Item: item,
            ...(stale === undefined
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  ConditionExpression: "attribute_not_exists(pk) OR (#s = :claimed AND claimedAt < :staleBefore)",
                  ExpressionAttributeNames: { "#s": "status" },
                  ExpressionAttributeValues: { ":claimed": "claimed", ":staleBefore": new Date(at.getTime() - stale * 1000).toISOString() },
                }),
          }),
        );
        return "new";
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        // Done or busy? A record that vanished meanwhile (released) is busy too: the caller retries.
        const existing = await this.get(key);
        return existing?.status === "done" ? "done" : "busy";
      }
    },
    async complete(key, result) {
      checkKey(key);
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: key },
            UpdateExpression: result ? "SET #s = :done, completedAt = :at, #r = :result" : "SET #s = :done, completedAt = :at",
            ConditionExpression: "attribute_exists(pk) AND #s = :claimed",
            ExpressionAttributeNames: { "#s": "status", ...(result ? { "#r": "result" } : {}) },
            ExpressionAttributeValues: { ":done": "done", ":claimed": "claimed", ":at": now().toISOString(), ...(result ? { ":result": result } : {}) },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const existing = await this.get(key);
        if (existing?.status === "done") return;
        throw new LedgerError(`cannot complete ledger key that was never claimed`);
      }
    },
    async release(key) {
      checkKey(key);
      try {
        await doc.send(
          new DeleteCommand({
            TableName,
            Key: { pk: key },
            ConditionExpression: "#s = :claimed",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":claimed": "claimed" },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async update(key, attrs) {
      checkKey(key);
      try {
        await doc.send(
          new UpdateCommand({
            TableName,
            Key: { pk: key },
            UpdateExpression: "SET attrs = :attrs",
            ConditionExpression: "attribute_exists(pk) AND #s = :claimed",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: { ":attrs": attrs, ":claimed": "claimed" },
          }),
        );
      } catch (err) {
        if (isConditionFailure(err)) throw new LedgerError("cannot update a ledger key that is not claimed (missing or done)");
        throw err;
      }
    },
    async note(key, attrs, noteOptions = {}) {
      checkKey(key);
      const at = now();
      const item: LedgerRecord = {
        pk: key,
        status: "done",
        claimedAt: at.toISOString(),
        completedAt: at.toISOString(),
        expiresAt: Math.floor(at.getTime() / 1000) + (noteOptions.ttlSeconds ?? defaultTtl),
        attrs,
      };
      await doc.send(new PutCommand({ TableName, Item: item }));
    },
    async get(key) {
      checkKey(key);
      const res = await doc.send(new GetCommand({ TableName, Key: { pk: key }, ConsistentRead: true }));
      return res.Item as LedgerRecord | undefined;
    },
  };
}
