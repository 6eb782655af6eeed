import { readFile } from 'node:fs/promises';
import { error, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { readValidatedYaml } from '../source/read-validated-yaml.js';
import { schemaValidator } from '../source/schema-validator.js';
import type { ServerConfigFile } from '../types/generated/config.js';
import { cidrProblem } from './ip-ranges.js';
import { maskSecrets } from './mask-secrets.js';
import { DEFAULTS, ENV_VARS, type ServerConfig } from './server-config.js';

const validateConfig = schemaValidator<ServerConfigFile>('files', 'config');

export interface ConfigResult {
  /** Present only when there are no errors. */
  config?: ServerConfig;
  diagnostics: Diagnostic[];
  /** The config file's text by name, for printing the offending line (secret values masked). */
  texts: Map<string, string>;
}

/**
 * The server settings: defaults, then the config file (if any), then environment variables, then
 * `overrides` (command-line flags). Mistakes come back as diagnostics with file:line:col, like rules.
 */
export async function loadConfig(options: { file?: string; env: NodeJS.ProcessEnv; overrides?: ServerConfigFile }): Promise<ConfigResult> {
  const diagnostics: Diagnostic[] = [];
  const texts = new Map<string, string>();
  let fromFile: ServerConfigFile = {};
  if (options.file) {
    const read = await readConfigFile(options.file, diagnostics, texts);
    if (read) fromFile = read;
  }
  const fromEnv = readEnv(options.env, diagnostics);
  if (hasErrors(diagnostics)) return { diagnostics, texts };
  const config: ServerConfig = { ...DEFAULTS, ...fromFile, ...fromEnv, ...options.overrides };
  return { config, diagnostics, texts };
}

async function readConfigFile(file: string, diagnostics: Diagnostic[], texts: Map<string, string>): Promise<ServerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    diagnostics.push(error('unreadable', `cannot read config file ${file}: ${reason}`));
    return undefined;
  }
  // Error messages quote the file's lines: never a secret's value.
  texts.set(file, maskSecrets(text));
  const read = readValidatedYaml({ file, text }, validateConfig, diagnostics);
  if (!read) return undefined;
  const { data, parsed } = read;
  const lists: Array<[keyof ServerConfigFile, unknown]> = [
    ['allowIps', data.allowIps],
    ['trustProxy', data.trustProxy],
  ];
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((entry: string, i) => {
      const problem = cidrProblem(entry);
      if (problem) diagnostics.push(error('bad-cidr', `\`${key}\`: ${problem}`, { file, ...parsed.locate([key, i]) }));
    });
  }
  return hasErrors(diagnostics) ? undefined : data;
}

function readEnv(env: NodeJS.ProcessEnv, diagnostics: Diagnostic[]): ServerConfigFile {
  const out: Record<string, unknown> = {};
  for (const [key, { env: name, kind }] of Object.entries(ENV_VARS)) {
    const raw = env[name]?.trim();
    // An empty variable (NAME= in a compose file) means "not set", not "set to nothing".
    if (raw === undefined || raw === '') continue;
    const value = parseEnvValue(name, raw, kind, diagnostics);
    if (value !== undefined) out[key] = value;
  }
  if (!validateConfig(out)) {
    const reported = new Set<string>();
    for (const e of validateConfig.errors ?? []) {
      const key = e.instancePath.split('/')[1] as keyof ServerConfig | undefined;
      if (!key || reported.has(key)) continue;
      reported.add(key);
      const name = ENV_VARS[key].env;
      const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
      const message =
        key === 'trustProxy' ? 'must be a number of proxy hops from 0 to 10, or a comma-separated list of proxy addresses/CIDRs' : allowed ? `must be one of: ${allowed.join(', ')}` : (e.message ?? 'is not valid');
      diagnostics.push(error('bad-value', `environment variable ${name} ${message} (it is "${env[name]}")`));
    }
  }
  return out as ServerConfigFile;
}

function parseEnvValue(name: string, raw: string, kind: string, diagnostics: Diagnostic[]): unknown {
  const list = () => {
    const items = raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const item of items) {
      const problem = cidrProblem(item);
      if (problem) diagnostics.push(error('bad-cidr', `environment variable ${name}: ${problem}`));
    }
    return items;
  };
  switch (kind) {
    case 'integer':
      if (/^-?\d+$/.test(raw)) return Number(raw);
      diagnostics.push(error('wrong-type', `environment variable ${name} must be a whole number (it is "${raw}")`));
      return undefined;
    case 'number':
      if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
      diagnostics.push(error('wrong-type', `environment variable ${name} must be a number (it is "${raw}")`));
      return undefined;
    case 'boolean': {
      const word = raw.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(word)) return true;
      if (['0', 'false', 'no', 'off'].includes(word)) return false;
      diagnostics.push(error('wrong-type', `environment variable ${name} must be true or false (or 1/0, on/off; it is "${raw}")`));
      return undefined;
    }
    case 'list':
      return list();
    case 'hops-or-list':
      return /^\d+$/.test(raw) ? Number(raw) : list();
    default:
      return raw;
  }
}
