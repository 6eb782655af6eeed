import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowResponse } from '../types/generated/callflow.js';

/** What a caller who presses nothing "presses", in simulate (`--press nothing`) and rule tests. */
export const NOTHING = 'nothing';

export type NextEvent = { ok: true; payload: CallActionPayload; dtmf: string | null } | { ok: false; message: string };

/**
 * The ACTION_COMPLETED event 8x8 sends after our sayAndCapture, for the keys a caller presses:
 * our clientActionId echoed, the keys in eventData.dtmf as 8x8 collects them (up to # when # ends
 * the input, at most maxDigits), and null for nothing or too few keys (8x8 counts those as a
 * failed try; we assume it then reports no keys).
 */
export function nextEvent(previous: CallActionPayload, response: CallflowResponse, press: string, step: number): NextEvent {
  const last = response.callflow[response.callflow.length - 1];
  if (last?.action !== 'sayAndCapture') {
    return { ok: false, message: `the call does not wait for keys at this point: its last answer ends with ${last?.action ?? 'nothing'}, not sayAndCapture` };
  }
  let dtmf: string | null = null;
  if (press !== NOTHING) {
    if (!/^[0-9*#]+$/.test(press)) return { ok: false, message: `"${press}" is not keys a phone can press: use digits, * and #, or "${NOTHING}"` };
    const { completeOnHash = true, minDigits = 1, maxDigits } = last.params;
    let keys = completeOnHash && press.includes('#') ? press.slice(0, press.indexOf('#')) : press;
    if (maxDigits !== undefined) keys = keys.slice(0, maxDigits);
    dtmf = keys.length >= minDigits ? keys : null;
  }
  const { dtmf: _legacy, ...rest } = previous;
  const payload: CallActionPayload = {
    ...rest,
    eventId: `${previous.eventId.replace(/-step\d+$/, '')}-step${step}`,
    callStatus: 'ACTION_COMPLETED',
    ...(response.clientActionId === undefined ? {} : { clientActionId: response.clientActionId }),
    eventData: { dtmf },
  };
  return { ok: true, payload, dtmf };
}
