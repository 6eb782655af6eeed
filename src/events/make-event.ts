import type { CallActionPayload } from '../types/generated/call-action.js';

/**
 * A complete Call Action payload from the few fields a person cares about (for simulate and
 * rule tests). The rest looks like a fresh inbound Number Masking call.
 */
export function makeCallActionPayload(fields: Partial<CallActionPayload> = {}): CallActionPayload {
  return {
    eventId: 'simulated-event',
    callId: 'simulated-call',
    sessionId: 'simulated-session',
    subAccountId: 'simulated-subaccount',
    callStatus: 'CALL_RECEIVED',
    callDirection: 'INBOUND',
    callType: 'PSTN',
    source: '+6562220001',
    destination: '+6568332048',
    sourceFormat: 'MSISDN',
    destinationFormat: 'MSISDN',
    callDuration: 0,
    sipCode: 200,
    timestamp: new Date(0).toISOString(),
    ...fields,
  };
}
