/** One structured log line. The server backs it with pino (create-logger.ts); tests pass a collector. */
export type Logger = (entry: Record<string, unknown>) => void;

export const silentLogger: Logger = () => {};
