import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LoggerOptions } from '../src/log/create-logger.js';

function capture(options: LoggerOptions) {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ ...options, destination });
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('logs', () => {
  it('writes one JSON line per entry with the level by name, an ISO time and every field', async () => {
    const { logger, lines } = capture({ format: 'json' });
    logger.log({ msg: 'request', path: '/webhooks/call-action', callId: 'c-1', sessionId: 's-1', rule: 'sg-support', ms: 1.2 });
    logger.log({ level: 'warn', msg: 'WEBHOOK_AUTH is not set' });
    await logger.flush();
    const [first, second] = lines().map((l) => JSON.parse(l));
    expect(first).toMatchObject({ level: 'info', msg: 'request', callId: 'c-1', sessionId: 's-1', rule: 'sg-support', ms: 1.2 });
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(second).toMatchObject({ level: 'warn', msg: 'WEBHOOK_AUTH is not set' });
  });

  it.each([
    ['the level written first', { level: 'info', msg: 'request', status: 200 }, { level: 'info', msg: 'request', status: 200 }],
    ['the level written last', { msg: 'request', status: 200, level: 'warn' }, { level: 'warn', msg: 'request', status: 200 }],
    ['no level', { msg: 'request' }, { level: 'info', msg: 'request' }],
    ['an unknown level', { level: 'loud', msg: 'x' }, { level: 'info', msg: 'x' }],
    ['only a level', { level: 'error' }, { level: 'error', msg: null }],
    ['a field JSON cannot write', { level: 'error', msg: 'x', n: 1n }, { level: 'error', msg: 'x', logError: expect.stringMatching(/BigInt/) }],
  ])('writes an entry with %s as level, time, then the fields in their order', async (_name, entry, expected) => {
    const { logger, lines } = capture({ format: 'json', level: 'info' });
    logger.log(entry as Record<string, unknown>);
    await logger.flush();
    const [line] = lines();
    const parsed = JSON.parse(line!);
    expect(Object.keys(parsed).slice(0, 2)).toEqual(['level', 'time']);
    const { time: _time, ...rest } = parsed;
    expect(rest).toEqual(expected);
    expect(Object.keys(rest)).toEqual(Object.keys(expected));
  });

  it('leaves out entries below the configured level', async () => {
    const { logger, lines } = capture({ format: 'json', level: 'warn' });
    logger.log({ msg: 'request' });
    logger.log({ level: 'debug', msg: 'scrape' });
    logger.log({ level: 'error', msg: 'call-log-write-failed' });
    await logger.flush();
    expect(lines().map((l) => JSON.parse(l).msg)).toEqual(['call-log-write-failed']);
  });

  it.each([
    ['pretty', false, true],
    ['auto', true, true],
    ['auto', false, false],
    ['json', true, false],
  ] as const)('format %s on a terminal=%s prints pretty lines: %s', async (format, isTTY, isPretty) => {
    const { logger, lines } = capture({ format, isTTY });
    logger.log({ msg: 'request', callId: 'c-1' });
    await logger.flush();
    const line = lines()[0]!;
    expect(line.startsWith('{')).toBe(!isPretty);
    if (isPretty) expect(line).toContain('INFO');
  });

  it('pretty logs give one line per request, its fields included', async () => {
    const { logger, lines } = capture({ format: 'pretty' });
    logger.log({ msg: 'request', method: 'POST', path: '/webhooks/call-action', status: 200, ms: 1.2, callId: 'c-1', rule: 'sg-support', decision: { outcome: 'matched' } });
    await logger.flush();
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatch(/INFO.*request.*"callId":"c-1".*"rule":"sg-support"/);
  });
});
