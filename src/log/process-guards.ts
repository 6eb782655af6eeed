import type { Logger } from '../log/logger.js';

/**
 * A stray rejected promise must not end every live call: log it and keep serving. Returns a
 * function that removes the handlers again.
 */
export function installProcessGuards(log: Logger): () => void {
  const text = (e: unknown) => (e instanceof Error ? (e.stack ?? e.message) : String(e));
  const onRejection = (reason: unknown) => log({ level: 'error', msg: 'unhandled-rejection', error: text(reason) });
  const onException = (e: unknown) => log({ level: 'fatal', msg: 'uncaught-exception', error: text(e) });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
