import type { ServerConfigFile } from '../types/generated/config.js';

/** The settings the server runs with: every key of the config file, defaults filled in (the `Unset` ones have none). */
type Unset = 'webhookAuth' | 'adminToken' | 'consoleToken' | 'apiToken' | 'pidFile' | 'databaseUrl';
export type ServerConfig = Required<Omit<ServerConfigFile, Unset>> & Pick<ServerConfigFile, Unset>;

export const DEFAULTS: ServerConfig = {
  rulesDir: 'rules',
  port: 3000,
  host: '0.0.0.0',
  allowIps: [],
  trustProxy: 0,
  callLog: 'data/calls.sqlite',
  callLogRetentionDays: 30,
  callLogMaxRows: 1_000_000,
  sessionsDb: 'data/sessions.sqlite',
  sessionsRetentionDays: 30,
  databasePoolMax: 10,
  callLogMaxBytes: 1024 * 1024 * 1024,
  deadlineMs: 2000,
  shutdownTimeoutMs: 10_000,
  headersTimeoutMs: 3000,
  requestTimeoutMs: 5000,
  keepAliveTimeoutMs: 5000,
  maxConnections: 1024,
  logLevel: 'info',
  logFormat: 'auto',
  watch: true,
  reloadTimeoutMs: 60_000,
  reloadMemoryMb: 512,
  rulesCache: 'data/rules-cache',
};

type Kind = 'string' | 'integer' | 'number' | 'boolean' | 'list' | 'hops-or-list';

/** Each config key and the environment variable that sets it (the variable wins over the file). */
export const ENV_VARS: Record<keyof ServerConfig, { env: string; kind: Kind }> = {
  rulesDir: { env: 'RULES_DIR', kind: 'string' },
  port: { env: 'PORT', kind: 'integer' },
  host: { env: 'HOST', kind: 'string' },
  webhookAuth: { env: 'WEBHOOK_AUTH', kind: 'string' },
  adminToken: { env: 'ADMIN_TOKEN', kind: 'string' },
  apiToken: { env: 'API_TOKEN', kind: 'string' },
  sessionsDb: { env: 'SESSIONS_DB', kind: 'string' },
  sessionsRetentionDays: { env: 'SESSIONS_RETENTION_DAYS', kind: 'number' },
  databaseUrl: { env: 'DATABASE_URL', kind: 'string' },
  databasePoolMax: { env: 'DATABASE_POOL_MAX', kind: 'integer' },
  consoleToken: { env: 'CONSOLE_TOKEN', kind: 'string' },
  allowIps: { env: 'ALLOW_IPS', kind: 'list' },
  trustProxy: { env: 'TRUST_PROXY', kind: 'hops-or-list' },
  callLog: { env: 'CALL_LOG', kind: 'string' },
  callLogRetentionDays: { env: 'CALL_LOG_RETENTION_DAYS', kind: 'number' },
  callLogMaxRows: { env: 'CALL_LOG_MAX_ROWS', kind: 'integer' },
  callLogMaxBytes: { env: 'CALL_LOG_MAX_BYTES', kind: 'integer' },
  deadlineMs: { env: 'DEADLINE_MS', kind: 'integer' },
  shutdownTimeoutMs: { env: 'SHUTDOWN_TIMEOUT_MS', kind: 'integer' },
  headersTimeoutMs: { env: 'HEADERS_TIMEOUT_MS', kind: 'integer' },
  requestTimeoutMs: { env: 'REQUEST_TIMEOUT_MS', kind: 'integer' },
  keepAliveTimeoutMs: { env: 'KEEP_ALIVE_TIMEOUT_MS', kind: 'integer' },
  maxConnections: { env: 'MAX_CONNECTIONS', kind: 'integer' },
  logLevel: { env: 'LOG_LEVEL', kind: 'string' },
  logFormat: { env: 'LOG_FORMAT', kind: 'string' },
  watch: { env: 'WATCH', kind: 'boolean' },
  reloadTimeoutMs: { env: 'RELOAD_TIMEOUT_MS', kind: 'integer' },
  reloadMemoryMb: { env: 'RELOAD_MEMORY_MB', kind: 'integer' },
  rulesCache: { env: 'RULES_CACHE', kind: 'string' },
  pidFile: { env: 'PID_FILE', kind: 'string' },
};

/** Things that work but that an operator should know at startup. */
export function startupWarnings(config: ServerConfig): string[] {
  const warnings: string[] = [];
  if (!config.webhookAuth) {
    warnings.push('WEBHOOK_AUTH is not set: the webhooks accept events from anyone who knows the URL. Set it to the httpAuthHeader configured at 8x8.');
  }
  if (typeof config.trustProxy !== 'number' || config.trustProxy > 0) {
    if (config.allowIps.length === 0) warnings.push('TRUST_PROXY is set but ALLOW_IPS is not: X-Forwarded-For is read but nothing is filtered on it.');
  }
  return warnings;
}
