/**
 * Application records in DynamoDB (RealnameApplicationsTable): one item per application (key `id`
 * = the application id), one marker item per portal request id (`id` = `request#<request id>`),
 * one marker item per webhook signature seen (`id` = `signature#<replay key>`, TTL after the
 * signature window, so a replayed request is refused across Lambda instances), and a sparse index `work-due` (HASH `work`, RANGE `dueAt`) over the applications that have
 * something due. Every save is conditional on the version that was read (optimistic locking).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { RealnameRecord, WorkKind } from "../realname/record.ts";

export const WORK_INDEX = "work-due";
const REQUEST_PREFIX = "request#";
const SIGNATURE_PREFIX = "signature#";

export class VersionConflictError extends Error {
  override name = "VersionConflictError";
  constructor(id: string) {
    super(`application ${id} was changed by someone else; read it again`);
  }
}

export interface RequestMarker {
  applicationId: string;
  bodyHash: string;
  createdAt: string;
  /** DynamoDB TTL, epoch seconds. */
  expiresAt?: number;
}

export interface RecordStore {
  get(id: string): Promise<RealnameRecord | undefined>;
  /** Creates a new record; false when one with this id exists already. */
  create(record: RealnameRecord): Promise<boolean>;
  /** Saves `record` (its version + 1) if the stored version is still `record.version`; returns the saved record. */
  save(record: RealnameRecord): Promise<RealnameRecord>;
  /** Claims a portal request id for an application id; returns the existing marker when taken. */
  claimRequest(requestId: string, marker: RequestMarker): Promise<{ claimed: true } | { claimed: false; existing: RequestMarker }>;
  releaseRequest(requestId: string): Promise<void>;
  /**
   * Records that a signed request (its replay key, shared/signing webhookReplayKey) was seen; false
   * when it was seen before. `expiresAt` (epoch seconds, DynamoDB TTL) lies past the signature window.
   */
  claimSignature(replayKey: string, expiresAt: number): Promise<boolean>;
  /** Records whose `work` is due at `now` (oldest first). */
  due(work: WorkKind, now: number, limit: number): Promise<RealnameRecord[]>;
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === "ConditionalCheckFailedException";
}

export function documentClient(client?: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client ?? new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
}

export function createRecordStore(options: { tableName: string; client?: DynamoDBDocumentClient }): RecordStore {
  const doc = options.client ?? documentClient();
  const TableName = options.tableName;
  return {
    async get(id) {
      const res = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
      return res.Item as RealnameRecord | undefined;
    },
    async create(record) {
      try {
        await doc.send(new PutCommand({ TableName, Item: record, ConditionExpression: "attribute_not_exists(id)" }));
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async save(record) {
      const next: RealnameRecord = { ...record, version: record.version + 1 };
      if (next.work === undefined) delete next.dueAt;
      try {
        await doc.send(
          new PutCommand({ TableName, Item: next, ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": record.version } }),
        );
      } catch (err) {
        if (isConditionFailure(err)) throw new VersionConflictError(record.id);
        throw err;
      }
      return next;
    },
    async claimRequest(requestId, marker) {
      try {
        await doc.send(
          new PutCommand({ TableName, Item: { id: REQUEST_PREFIX + requestId, ...marker }, ConditionExpression: "attribute_not_exists(id)" }),
        );
        return { claimed: true };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
        const res = await doc.send(new GetCommand({ TableName, Key: { id: REQUEST_PREFIX + requestId }, ConsistentRead: true }));
        const item = res.Item as (RequestMarker & { id: string }) | undefined;
        if (!item) return this.claimRequest(requestId, marker);
        return { claimed: false, existing: { applicationId: item.applicationId, bodyHash: item.bodyHash, createdAt: item.createdAt } };
      }
    },
    async releaseRequest(requestId) {
      await doc.send(new DeleteCommand({ TableName, Key: { id: REQUEST_PREFIX + requestId } }));
    },
    async claimSignature(replayKey, expiresAt) {
      try {
        await doc.send(new PutCommand({ TableName, Item: { id: SIGNATURE_PREFIX + replayKey, expiresAt }, ConditionExpression: "attribute_not_exists(id)" }));
        return true;
      } catch (err) {
        if (isConditionFailure(err)) return false;
        throw err;
      }
    },
    async due(work, now, limit) {
      const res = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: WORK_INDEX,
          KeyConditionExpression: "#w = :w AND dueAt <= :now",
          ExpressionAttributeNames: { "#w": "work" },
          ExpressionAttributeValues: { ":w": work, ":now": now },
          Limit: limit,
        }),
      );
      return (res.Items ?? []) as RealnameRecord[];
    },
  };
}
