/**
 * The message envelope every queue carries: `{type, version, id, occurredAt, data}`.
 * Validated with zod when it is published and again when it is consumed. Pure.
 *
 *   export const ReminderDue = defineMessage("renewal.reminder-due", 1, z.object({ customerId: z.string() }));
 *   const env = ReminderDue.create({ customerId: "c1" }, { id: "reminder:c1:2026-01-01" });
 *   const parsed = ReminderDue.parse(record.body);        // throws EnvelopeError
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";

/**
 * The envelope id doubles as the idempotency key and, on FIFO queues, the deduplication id, so it
 * follows SQS's MessageDeduplicationId rules: 1–128 printable ASCII characters.
 */
export const envelopeIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces");

export const messageTypeSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, "must be lower-case words separated by '.' or '-'");

export const baseEnvelopeSchema = z.object({
  type: messageTypeSchema,
  version: z.number().int().min(1),
  id: envelopeIdSchema,
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.unknown(),
});

export type Envelope<T = unknown, Type extends string = string> = {
  type: Type;
  version: number;
  id: string;
  occurredAt: string;
  data: T;
};

export class EnvelopeError extends Error {
  override name = "EnvelopeError";
}

/** Schema of one message type at one version. */
export function envelopeSchema<Type extends string, S extends z.ZodType>(type: Type, version: number, data: S) {
  return baseEnvelopeSchema.extend({ type: z.literal(type), version: z.literal(version), data });
}

export interface MessageDefinition<Type extends string, S extends z.ZodType> {
  readonly type: Type;
  readonly version: number;
  readonly schema: ReturnType<typeof envelopeSchema<Type, S>>;
  /** Builds and validates an envelope (id defaults to a random UUID, occurredAt to now). */
  create(data: z.input<S>, options?: { id?: string; occurredAt?: Date | string }): Envelope<z.output<S>, Type>;
  /** Parses a message body (JSON string) or an already-decoded value; throws EnvelopeError. */
  parse(body: unknown): Envelope<z.output<S>, Type>;
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(envelope)"}: ${i.message}`).join("; ");
}

export function defineMessage<Type extends string, S extends z.ZodType>(type: Type, version: number, data: S): MessageDefinition<Type, S> {
  messageTypeSchema.parse(type);
  const schema = envelopeSchema(type, version, data);
  const parse = (body: unknown): Envelope<z.output<S>, Type> => {
    let value = body;
    if (typeof body === "string") {
      try {
        value = JSON.parse(body);
      } catch {
        throw new EnvelopeError(`message body is not JSON (expected a ${type} v${version} envelope)`);
      }
    }
    const r = schema.safeParse(value);
    if (!r.success) throw new EnvelopeError(`not a valid ${type} v${version} envelope: ${formatIssues(r.error)}`);
    return r.data as Envelope<z.output<S>, Type>;
  };
  return {
    type,
    version,
    schema,
    parse,
    create(payload, options = {}) {
      const occurredAt = options.occurredAt instanceof Date ? options.occurredAt.toISOString() : (options.occurredAt ?? new Date().toISOString());
      return parse({ type, version, id: options.id ?? randomUUID(), occurredAt, data: payload });
    },
  };
}

/** Validates any envelope (type-agnostic), e.g. in the publisher. */
export function parseEnvelope(value: unknown): Envelope {
  const r = baseEnvelopeSchema.safeParse(value);
  if (!r.success) throw new EnvelopeError(`not a valid envelope: ${formatIssues(r.error)}`);
  return r.data as Envelope;
}
