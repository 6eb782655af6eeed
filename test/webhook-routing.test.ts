import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.js';
import { LiveRules } from '../src/reload/live-rules.js';
import { loadRules } from '../src/rules/load-rules.js';
import { makeCallActionPayload } from '../src/events/make-event.js';
import type { CallActionPayload } from '../src/types/generated/call-action.js';

const loaded = await loadRules(fileURLToPath(new URL('../rules', import.meta.url)));
const app = createApp({ rules: new LiveRules(loaded.ruleSet!) });

async function post(fields: Partial<CallActionPayload>) {
  const body = { namespace: 'VOICE', eventType: 'CALL_ACTION', description: 'Action request of a call', payload: makeCallActionPayload(fields) };
  const res = await app.request('/webhooks/call-action', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { clientActionId: string; callflow: { action: string; params?: Record<string, unknown> }[] } };
}

describe('the webhook with the sample rules', () => {
  it('connects a rider to their driver through the virtual number (pairs/rides.csv)', async () => {
    const res = await post({ eventId: 'e-pair', destinationRefId: 'vn-ref-3', destination: '+6568332048', source: '+6591110001' });
    expect(res).toEqual({
      status: 200,
      body: { clientActionId: 'ride-masking', callflow: [{ action: 'makeCall', params: { source: '+6568332048', destination: '+6592220001', callRecording: true } }] },
    });
  });

  it("answers a caller of another sub-account with that sub-account's rule of the same id", async () => {
    const res = await post({ eventId: 'e-scope', subAccountId: 'acme-id', sourceCountryCode: 'ID', source: '+628123456789' });
    expect(res.body.clientActionId).toBe('front-desk');
    expect(res.body.callflow[1]?.params?.destination).toBe('+62215551234');
  });
});
