/**
 * Adapters the renewal handlers share (I/O): the BSS client from the validated config, the contacts
 * directory from the config bucket, the ledger port. Called from handler modules only.
 */
import type { BssClient, BssEvent } from "../bss/index.ts";
import { bssClientFromConfig } from "../bss/from-config.ts";
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient, createLedger } from "../ledger/index.ts";
import { type ContactEntry, formatDirectoryError, indexDirectory, parseContactsDirectory } from "../notify/contacts.ts";
import type { Bucket } from "../storage/index.ts";
import type { InventoryItem } from "./inventory.ts";
import type { LedgerPort } from "./pipeline.ts";

/** One BSS client per cold start, created at the first invocation (secrets are read then). */
export function lazyBssClient(config: Config, ratePerSecond: number, onEvent?: (event: BssEvent) => void): () => Promise<BssClient> {
  let client: Promise<BssClient> | undefined;
  return () => {
    client ??= bssClientFromConfig(config, {
      rate: ratePerSecond,
      ...(onEvent ? { onEvent } : {}),
      // More attempts for reads make a whole-scan failure (and its visibility-timeout wait) rare
      // under transient BSS errors; writes are never resent after an ambiguous failure whatever
      // this number (the auto-renew safe wrappers look the order up instead).
      maxAttempts: 6,
    });
    client.catch(() => (client = undefined));
    return client;
  };
}

export function ledgerPort(tableName: string): LedgerPort {
  return createLedger({ tableName });
}

/** Writes a customer's inventory snapshot (shared/renewal/inventory.ts) to the ledger table: one plain put per scan. */
export function inventoryWriter(tableName: string): (item: InventoryItem) => Promise<void> {
  const doc = createDocumentClient();
  return async (item) => {
    await doc.send(new PutCommand({ TableName: tableName, Item: item }));
  };
}

/**
 * The contacts directory (JSON or CSV by the key's extension). A missing object is an empty directory
 * (warning); invalid rows are logged one by one (row, field, message — never values) and left out.
 */
export async function loadDirectory(bucket: Bucket, key: string, logger: Logger): Promise<Map<string, ContactEntry>> {
  let text: string;
  try {
    text = Buffer.from((await bucket.get(key)).body).toString("utf8");
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "NoSuchKey" || name === "NotFound" || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) {
      logger.warn("contacts directory not found; every customer is treated as unlisted", { bucket: bucket.name, key });
      return new Map();
    }
    throw err;
  }
  const dir = parseContactsDirectory(text, key);
  for (const e of dir.errors) logger.warn("contacts directory row ignored", { problem: formatDirectoryError(e) });
  logger.info("contacts directory loaded", { entries: dir.entries.length, errors: dir.errors.length });
  return indexDirectory(dir.entries);
}
