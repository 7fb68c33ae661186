/**
 * Splitting messages into SendMessageBatch calls. Pure.
 *
 * SQS limits a batch to 10 entries and the sum of the entries' sizes to 256 KiB; one message's size
 * is its UTF-8 body plus, for each message attribute, the bytes of its name, data type and value.
 */

export interface BatchLimits {
  maxCount: number;
  maxBytes: number;
}

export const SQS_BATCH_LIMITS: BatchLimits = Object.freeze({ maxCount: 10, maxBytes: 262_144 });

export class MessageTooLargeError extends Error {
  override name = "MessageTooLargeError";
  readonly index: number;
  readonly size: number;
  constructor(index: number, size: number, max: number) {
    super(`message #${index} is ${size} bytes, more than the ${max}-byte SQS limit`);
    this.index = index;
    this.size = size;
  }
}

export interface AttributeValueLike {
  DataType?: string | undefined;
  StringValue?: string | undefined;
  BinaryValue?: Uint8Array | undefined;
}

const utf8 = new TextEncoder();
const byteLength = (s: string): number => utf8.encode(s).byteLength;

/** Size SQS counts for one message. */
export function sqsMessageSize(body: string, attributes: Record<string, AttributeValueLike> = {}): number {
  let size = byteLength(body);
  for (const [name, v] of Object.entries(attributes)) {
    size += byteLength(name) + byteLength(v.DataType ?? "");
    if (v.StringValue !== undefined) size += byteLength(v.StringValue);
    if (v.BinaryValue !== undefined) size += v.BinaryValue.byteLength;
  }
  return size;
}

/**
 * Greedy, order-preserving chunks: each has at most `maxCount` items and at most `maxBytes` in
 * total. Throws MessageTooLargeError if a single item alone exceeds `maxBytes`.
 */
export function chunkBatch<T>(items: readonly T[], sizeOf: (item: T) => number, limits: BatchLimits = SQS_BATCH_LIMITS): T[][] {
  if (!(limits.maxCount >= 1) || !(limits.maxBytes >= 1)) throw new RangeError("batch limits must be positive");
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  items.forEach((item, index) => {
    const size = sizeOf(item);
    if (size > limits.maxBytes) throw new MessageTooLargeError(index, size, limits.maxBytes);
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + size > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}
