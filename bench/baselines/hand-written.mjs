// What users write today: a Hono handler with ten if/else routes on the event's fields, parsing
// the JSON body like a real webhook and building the callflow per call.
// Usage: node bench/baselines/hand-written.mjs PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const VOICE = 'en-US-ZiraRUS';
const say = (text, extra = {}) => ({ action: 'say', params: { text, voiceProfile: VOICE, repetition: 1, speed: 1, ...extra } });
const makeCall = (p, destination, callRecording = false) => ({ action: 'makeCall', params: { source: p.destination, destination, callRecording } });

function route(p) {
  const ref = p.destinationRefId;
  const dtmf = p.eventData?.dtmf ?? p.dtmf;
  if (ref === 'vn-000000') {
    return { clientActionId: 'r000000', callflow: [say('Thank you for calling line 0. Connecting you now.'), makeCall(p, '+6581000000')] };
  } else if (p.destination === '+6560000001') {
    return { clientActionId: 'r000001', callflow: [{ action: 'playFile', params: { fileUrl: 'https://example.com/audio/line-1.mp3', repetition: 1 } }, makeCall(p, '+6581000001')] };
  } else if (ref === 'vn-000002' && p.clientActionId === 'main-menu' && dtmf === '1') {
    return { clientActionId: 'r000002', callflow: [say('Connecting you to sales.'), makeCall(p, '+6581000002')] };
  } else if (ref === 'vn-000003' && p.source?.startsWith('+659')) {
    return { clientActionId: 'r000003', callflow: [say('Welcome, mobile caller.'), makeCall(p, '+6581000003')] };
  } else if (ref === 'vn-000004' && /^\+65[89]\d{7}$/.test(p.source ?? '')) {
    return { clientActionId: 'r000004', callflow: [say(`Your call from ${p.source} is being connected.`), makeCall(p, '+6581000004')] };
  } else if ((ref === 'vn-000005' || ref === 'vn-000005-b') && ['SG', 'MY'].includes(p.sourceCountryCode?.toUpperCase())) {
    return { clientActionId: 'r000005', callflow: [say(`Welcome, caller from ${p.sourceCountryCode}.`, { speed: 0.9 }), makeCall(p, '+6581000005', true)] };
  } else if (p.source?.startsWith('+60')) {
    return { clientActionId: 'region-my', callflow: [say('Terima kasih. Connecting you to our Malaysia team.'), makeCall(p, '+60321612000')] };
  } else if (['ID', 'TH', 'PH'].includes(p.sourceCountryCode?.toUpperCase())) {
    return { clientActionId: 'region-id', callflow: [say('Connecting you to our regional team.'), makeCall(p, '+6587650000')] };
  } else if (/^\+(1|44)\d+$/.test(p.source ?? '')) {
    return { clientActionId: 'region-intl', callflow: [say('Connecting you to our international desk.'), makeCall(p, '+6587650001')] };
  } else {
    return { clientActionId: 'everyone-else', callflow: [say('Sorry, this number is not in service.'), { action: 'hangup' }] };
  }
}

const app = new Hono();
app.post('/webhooks/call-action', async (c) => {
  let body;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return c.json({ error: { code: 'invalid-json', message: 'the request body is not valid JSON' } }, 400);
  }
  const p = body?.payload;
  if (typeof p?.eventId !== 'string') return c.json({ error: { code: 'invalid-event', message: 'payload.eventId is required' } }, 400);
  return c.json(route(p));
});
app.get('/healthz', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 3000), hostname: '127.0.0.1' });
// Exit cleanly on a signal, so that `node --cpu-prof` can write its profile.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
