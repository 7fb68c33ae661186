/**
 * realname-submit (SQS): one `realname.submit-requested` message per application. Builds the BSS
 * body (documents' paths relative to download/, in BSS order) and submits it through the BSS
 * client's safe wrapper; the outcome moves the application (shared/realname state machine).
 * Partial batch failures + idempotency on the envelope id (shared/queue).
 */
import { loadConfig } from "../../shared/config/index.ts";
import { createLedger } from "../../shared/ledger/index.ts";
import { createLogger } from "../../shared/log/index.ts";
import { sqsConsumer } from "../../shared/queue/index.ts";
import { RealnameSubmitRequested } from "../../shared/realname/record.ts";
import { wireRealname } from "../../shared/realname-io/index.ts";

const logger = createLogger({ persistentKeys: { function: "realname-submit" } });
const config = loadConfig(process.env, { require: ["IDEMPOTENCY_TABLE", "LEDGER_TABLE"] });
const { service } = wireRealname(process.env, logger, { bss: true });

export const handler = sqsConsumer(
  RealnameSubmitRequested,
  async (message) => {
    await service.processSubmit(message.data.applicationId);
  },
  { idempotency: { tableName: config.IDEMPOTENCY_TABLE!, expiresAfterSeconds: config.IDEMPOTENCY_EXPIRES_SECONDS }, logger, failures: createLedger({ tableName: config.LEDGER_TABLE! }) },
);
