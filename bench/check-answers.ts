/** Before timing a server, check that it answers each request of the mix with the rule the generator expects. */
import { webhookBody, type BenchRequest } from './generate-rules.js';

export interface AnswerCheck {
  checked: number;
  wrong: number;
  firstWrong?: string;
}

export async function checkAnswers(url: string, requests: readonly BenchRequest[], headers: Record<string, string> = {}): Promise<AnswerCheck> {
  let wrong = 0;
  let firstWrong: string | undefined;
  for (const [n, r] of requests.entries()) {
    const res = await fetch(`${url}/webhooks/call-action`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: webhookBody(r.payload, `check-${n}`),
    });
    const body = (await res.json()) as { clientActionId?: string };
    if (res.status !== 200 || body.clientActionId !== r.expect) {
      wrong++;
      firstWrong ??= `${r.kind}: expected ${r.expect}, got HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`;
    }
  }
  return { checked: requests.length, wrong, ...(firstWrong ? { firstWrong } : {}) };
}
