// The ceiling: a Hono app on @hono/node-server that parses the webhook's JSON body and answers
// every POST with the same callflow, as big as a typical rule's answer. No webhook can be faster.
// Usage: node bench/baselines/bare.mjs PORT
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const CALLFLOW = {
  clientActionId: 'r000000',
  callflow: [
    { action: 'say', params: { text: 'Thank you for calling line 0. Connecting you now.', voiceProfile: 'en-US-ZiraRUS', repetition: 1, speed: 1 } },
    { action: 'makeCall', params: { source: '+6568332048', destination: '+6581000000', callRecording: false } },
  ],
};

const app = new Hono();
app.post('/webhooks/call-action', async (c) => {
  let body;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    return c.json({ error: { code: 'invalid-json', message: 'the request body is not valid JSON' } }, 400);
  }
  if (typeof body?.payload?.eventId !== 'string') return c.json({ error: { code: 'invalid-event', message: 'payload.eventId is required' } }, 400);
  return c.json(CALLFLOW);
});
app.get('/healthz', (c) => c.json({ status: 'ok' }));

serve({ fetch: app.fetch, port: Number(process.argv[2] ?? 3000), hostname: '127.0.0.1' });
// Exit cleanly on a signal, so that `node --cpu-prof` can write its profile.
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
