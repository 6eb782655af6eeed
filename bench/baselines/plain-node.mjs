// The floor under Hono: a plain node:http server that reads the body, parses the JSON and answers
// every POST with the same callflow as bare.mjs. What any framework costs shows against this one.
// Usage: node bench/baselines/plain-node.mjs PORT
import { createServer } from 'node:http';

const CALLFLOW = JSON.stringify({
  clientActionId: 'r000000',
  callflow: [
    { action: 'say', params: { text: 'Thank you for calling line 0. Connecting you now.', voiceProfile: 'en-US-ZiraRUS', repetition: 1, speed: 1 } },
    { action: 'makeCall', params: { source: '+6568332048', destination: '+6581000000', callRecording: false } },
  ],
});
const send = (res, status, text) => {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, '{"status":"ok"}');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, '{"error":{"code":"invalid-json","message":"the request body is not valid JSON"}}');
    }
    if (typeof body?.payload?.eventId !== 'string') return send(res, 400, '{"error":{"code":"invalid-event","message":"payload.eventId is required"}}');
    send(res, 200, CALLFLOW);
  });
});
server.listen(Number(process.argv[2] ?? 3000), '127.0.0.1');
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, () => process.exit(0));
