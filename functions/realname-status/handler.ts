/**
 * realname-status (schedule): one sweep over the applications with work due — review results of
 * applications under review, stuck submissions, expired upload windows, signed callbacks + queue
 * events for final states, document purges after the retention, and submissions to queue again.
 */
import { createLogger } from "../../shared/log/index.ts";
import { wireRealname } from "../../shared/realname-io/index.ts";

const logger = createLogger({ persistentKeys: { function: "realname-status" } });
const { service } = wireRealname(process.env, logger, { bss: true, bucket: true, events: true, webhook: true });

export const handler = async (): Promise<{ handled: Record<string, number> }> => {
  const handled = await service.sweep();
  const total = Object.values(handled).reduce((a, b) => a + b, 0);
  if (total > 0) logger.info("realname: status sweep", { handled });
  return { handled };
};
