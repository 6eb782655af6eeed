import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowAction, CallflowResponse } from '../types/generated/callflow.js';
import { rawField } from './event-facts.js';
import { normalizePhone, E164_SHAPE } from './phone.js';
import type { Action, Template } from './rule-set.js';
import { chooseSteps } from './split.js';

/** 8x8's limit on say text (reference §3.3). */
export const MAX_SAY_LENGTH = 3000;

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

export function renderTemplate(template: Template, payload: CallActionPayload): string {
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : (rawField(payload, part.field) ?? '');
  return out;
}


/**
 * Actions as 8x8 wants them, splits decided by the call's session. `peer` is the other party of the
 * caller's masking pair; `record` (a live session's) overrides callRecording of the call to them.
 * Throws RenderError when this call's data cannot fill them in.
 */
export function renderCallflow(actions: readonly Action[], payload: CallActionPayload, peer?: string, record?: boolean): CallflowResponse['callflow'] {
  const [first, ...rest] = chooseSteps(actions, payload.sessionId).map((a): CallflowAction => {
    switch (a.action) {
      case 'say': {
        const text = renderTemplate(a.text, payload);
        if (text.trim() === '') throw new RenderError('say text is empty for this call');
        if (text.length > MAX_SAY_LENGTH) throw new RenderError(`say text is ${text.length} characters for this call, over 8x8's ${MAX_SAY_LENGTH}`);
        return { action: 'say', params: { text, ...a.params } };
      }
      case 'playFile':
        return { action: 'playFile', params: a.params };
      case 'makeCall':
        return { action: 'makeCall', params: makeCallParams(a.destination, a.source, a.callRecording, payload) };
      case 'callOtherParty':
        if (peer === undefined) throw new RenderError('makeCall other-party needs the caller\'s masking pair, and this caller has none on this number');
        return { action: 'makeCall', params: makeCallParams(peer, a.source, record ?? a.callRecording, payload) };
      case 'hangup':
        return { action: 'hangup' };
    }
  });
  if (!first) throw new RenderError('there are no actions to answer with');
  return [first, ...rest];
}

function makeCallParams(destination: string, source: string | undefined, callRecording: boolean | undefined, payload: CallActionPayload) {
  // For Number Masking the caller ID must be one of our virtual numbers: the one called.
  const callerId = source ?? normalizePhone(payload.destination);
  if (!E164_SHAPE.test(callerId)) throw new RenderError(`makeCall needs a caller ID, and the called number "${payload.destination}" is not one`);
  return { source: callerId, destination, ...(callRecording === undefined ? {} : { callRecording }) };
}
