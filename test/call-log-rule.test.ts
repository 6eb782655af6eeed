import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { makeCallActionPayload } from '../src/engine/make-event.js';
import { LiveRules } from '../src/rules/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';

describe('the server log line of a call', () => {
  it.each([
    ['a rule answered', { source: '+6598765432', destinationRefId: 'vn-ref-1' }, 'vip-callers'],
    ['the catch-all answered', { source: '+60123456789', destinationRefId: 'vn-ref-9' }, 'everyone-else'],
  ])('names the rule that answered when %s', async (_, fields, rule) => {
    const loaded = await loadRules('rules');
    const lines: Record<string, unknown>[] = [];
    const app = createApp({ rules: new LiveRules(loaded.ruleSet!), log: (e) => lines.push(e) });
    const res = await app.request('/webhooks/call-action', { method: 'POST', body: JSON.stringify({ payload: makeCallActionPayload(fields) }) });
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'call-action', rule, outcome: 'matched' });
  });
});
