import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { DEFAULTS, startupWarnings } from '../src/config/server-config.js';
import { formatDiagnostic } from '../src/diagnostics/format-diagnostic.js';

function configFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'router.yaml');
  writeFileSync(file, text);
  return file;
}

describe('server configuration', () => {
  it('runs out of the box: no file and no environment give the documented defaults', async () => {
    const { config, diagnostics } = await loadConfig({ env: {} });
    expect(diagnostics).toEqual([]);
    expect(config).toEqual(DEFAULTS);
    expect(config).toMatchObject({ callLog: 'data/calls.sqlite', deadlineMs: 2000, trustProxy: 0, allowIps: [] });
  });

  it('reads the config file, lets environment variables win over it and flags win over both', async () => {
    const file = configFile('port: 4000\nhost: 127.0.0.1\ndeadlineMs: 1500\nallowIps: [18.140.80.2, 10.0.0.0/8]\nwebhookAuth: "Bearer from-file"\n');
    const { config, diagnostics } = await loadConfig({ file, env: { DEADLINE_MS: '1200', WEBHOOK_AUTH: 'Bearer from-env' }, overrides: { port: 5000 } });
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject({ port: 5000, host: '127.0.0.1', deadlineMs: 1200, allowIps: ['18.140.80.2', '10.0.0.0/8'], webhookAuth: 'Bearer from-env' });
  });

  it.each([
    ['ALLOW_IPS', '18.140.80.2, 52.220.253.234,10.0.0.0/8', { allowIps: ['18.140.80.2', '52.220.253.234', '10.0.0.0/8'] }],
    ['TRUST_PROXY', '1', { trustProxy: 1 }],
    ['TRUST_PROXY', '10.0.0.0/8, ::1', { trustProxy: ['10.0.0.0/8', '::1'] }],
    ['CALL_LOG', ':memory:', { callLog: ':memory:' }],
    ['CALL_LOG_RETENTION_DAYS', '7.5', { callLogRetentionDays: 7.5 }],
    ['CALL_LOG_MAX_ROWS', '5000', { callLogMaxRows: 5000 }],
    ['ADMIN_TOKEN', 's3cret', { adminToken: 's3cret' }],
    ['LOG_FORMAT', 'json', { logFormat: 'json' }],
  ])('reads %s=%j', async (name, value, expected) => {
    const { config, diagnostics } = await loadConfig({ env: { [name]: value } });
    expect(diagnostics).toEqual([]);
    expect(config).toMatchObject(expected);
  });

  it('treats an empty variable (NAME= in a compose file) as not set', async () => {
    const { config } = await loadConfig({ file: configFile('webhookAuth: "Bearer from-file"\n'), env: { WEBHOOK_AUTH: '', ADMIN_TOKEN: ' ' } });
    expect(config?.webhookAuth).toBe('Bearer from-file');
    expect(config?.adminToken).toBeUndefined();
  });

  it.each([
    ['DEADLINE_MS', 'soon', 'error: environment variable DEADLINE_MS must be a whole number (it is "soon")'],
    ['DEADLINE_MS', '10', 'error: environment variable DEADLINE_MS must be >= 50 (it is "10")'],
    ['ALLOW_IPS', '18.140.80.2,not-an-ip', 'error: environment variable ALLOW_IPS: "not-an-ip" is not an IP address or CIDR range (like 18.140.80.2 or 10.0.0.0/8)'],
    ['ALLOW_IPS', '10.0.0.0/33', 'error: environment variable ALLOW_IPS: "10.0.0.0/33": the part after / must be a number from 0 to 32'],
    ['TRUST_PROXY', '99', 'error: environment variable TRUST_PROXY must be a number of proxy hops from 0 to 10, or a comma-separated list of proxy addresses/CIDRs (it is "99")'],
    ['LOG_LEVEL', 'loud', 'error: environment variable LOG_LEVEL must be one of: fatal, error, warn, info, debug, trace, silent (it is "loud")'],
  ])('rejects %s=%j with a message naming the variable', async (name, value, message) => {
    const { config, diagnostics } = await loadConfig({ env: { [name]: value } });
    expect(config).toBeUndefined();
    expect(diagnostics.map(formatDiagnostic)).toEqual([message]);
  });

  it.each([
    ['a misspelt key', 'port: 3000\nwebhookAuht: x\n', 'router.yaml:2:1: error: unknown top-level field `webhookAuht`'],
    ['a bad CIDR in the allowlist', 'allowIps:\n  - 18.140.80.2\n  - 18.140.80.0/40\n', 'router.yaml:3:5: error: `allowIps`: "18.140.80.0/40": the part after / must be a number from 0 to 32'],
    ['a deadline too short', 'deadlineMs: 10\n', 'router.yaml:1:13: error: `deadlineMs` must be at least 50 (it is 10)'],
    ['a port as text', 'port: eighty\n', 'router.yaml:1:7: error: `port` must be a whole number'],
    ['broken YAML', 'port: [3000\n', 'router.yaml:2:1: error: YAML syntax'],
  ])('points at file:line:col for %s', async (_what, text, expected) => {
    const file = configFile(text);
    const { config, diagnostics } = await loadConfig({ file, env: {} });
    expect(config).toBeUndefined();
    const first = formatDiagnostic(diagnostics[0]!);
    expect(first.slice(first.indexOf('router.yaml'))).toContain(expected);
  });

  it('says so when the config file does not exist', async () => {
    const { diagnostics } = await loadConfig({ file: '/nonexistent/router.yaml', env: {} });
    expect(diagnostics.map(formatDiagnostic)).toEqual(['error: cannot read config file /nonexistent/router.yaml: no such file']);
  });

  it('warns at startup when the webhooks are open to anyone', () => {
    expect(startupWarnings(DEFAULTS)).toEqual([expect.stringContaining('WEBHOOK_AUTH is not set')]);
    expect(startupWarnings({ ...DEFAULTS, webhookAuth: 'Bearer x' })).toEqual([]);
  });
});
