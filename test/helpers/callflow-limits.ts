import type { CallflowAction } from '../../src/types/generated/callflow.js';

/**
 * 8x8's limits that JSON Schema cannot state (reference §3.3): problems, empty when none. The
 * callflow schema covers each action's own params; this covers the rest.
 */
export function callflowLimitProblems(callflow: readonly CallflowAction[]): string[] {
  const problems: string[] = [];
  if (callflow.filter((a) => a.action === 'makeCall').length > 2) problems.push('more than 2 makeCall');
  callflow.forEach((a, i) => {
    const last = i === callflow.length - 1;
    if (a.action === 'hangup' && !last) problems.push('hangup is not last');
    if (a.action !== 'sayAndCapture') return;
    if (!last) problems.push('sayAndCapture is not last');
    const p = a.params;
    if (p.minDigits !== undefined && p.maxDigits === undefined) problems.push('-1003 minDigits without maxDigits');
    if (p.digitTimeout !== undefined && p.overallTimeout === undefined) problems.push('-1005 digitTimeout without overallTimeout');
    if (p.digitTimeout !== undefined && p.overallTimeout !== undefined && p.overallTimeout <= p.digitTimeout) problems.push('-1006 overallTimeout not above digitTimeout');
    if (p.completeOnHash === false && (p.maxDigits === undefined || p.maxDigits > 25)) problems.push('-1008 maxDigits 1..25 needed');
    if (p.minDigits !== undefined && p.maxDigits !== undefined && p.minDigits > p.maxDigits) problems.push('minDigits above maxDigits');
  });
  return problems;
}
