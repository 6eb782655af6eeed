import type { CallflowAction } from '../types/generated/callflow.js';
import { ANY_VOICE } from './parse-rule-tests.js';

/**
 * One action as one line, in the rules' own shorthand (`makeCall: { destination: "+65…", … }`),
 * so a diff reads like the YAML the author wrote.
 */
function actionLine(action: CallflowAction): string {
  if (action.action === 'hangup') return 'hangup';
  const params = Object.entries(action.params as object)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${v === ANY_VOICE ? '(any)' : typeof v === 'string' ? JSON.stringify(v) : String(v)}`);
  return `${action.action}: { ${params.join(', ')} }`;
}

export function callflowLines(callflow: readonly CallflowAction[]): string[] {
  return callflow.map(actionLine);
}
