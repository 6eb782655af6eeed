/** One structured log line. The server writes JSON lines; tests pass a collector. */
export type Logger = (entry: Record<string, unknown>) => void;

export const jsonLineLogger: Logger = (entry) => {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

export const silentLogger: Logger = () => {};
