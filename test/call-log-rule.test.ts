import { describe, expect, it } from 'vitest';
import { makeCallActionPayload } from '../src/events/make-event.js';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { ruleSetOf, sources } from './helpers/build-in-memory.js';

const ruleSet = ruleSetOf(sources({ 'a.yaml': 'rules:\n  - id: vip\n    when: { source: "+6598765432" }\n    then: [{ makeCall: "+6587654321" }]\n  - id: everyone-else\n    then: [hangup]\n' }));

describe('the server log line of a call', () => {
  it.each([
    ['a rule for the caller answered', { source: '+6598765432' }, 'vip'],
    ['the catch-all answered', { source: '+60123456789' }, 'everyone-else'],
  ])('names the rule that answered when %s', async (_, fields, rule) => {
    const lines: Record<string, unknown>[] = [];
    const app = createApp({ rules: new LiveRules(ruleSet), log: (e) => lines.push(e) });
    const res = await app.request('/webhooks/call-action', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payload: makeCallActionPayload(fields) }) });
    expect(res.status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ msg: 'request', path: '/webhooks/call-action', status: 200, rule, outcome: 'matched' });
  });
});
