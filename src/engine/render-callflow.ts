import type { CallActionPayload } from '../types/generated/call-action.js';
import type { CallflowAction, CallflowResponse } from '../types/generated/callflow.js';
import { rawField } from './event-facts.js';
import { normalizePhone, E164_SHAPE } from './phone.js';
import type { Action, Step, Template } from './rule-set.js';
import { chooseSteps } from './split.js';

/** 8x8's limit on say text (reference §3.3). */
export const MAX_SAY_LENGTH = 3000;

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

function renderTemplate(template: Template, payload: CallActionPayload): string {
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
      case 'say':
        return { action: 'say', params: { text: renderSpokenText(a.text, payload, 'say text'), ...a.params } };
      case 'sayAndCapture': {
        const { successMessage: ok, failureMessage: failed } = a;
        return {
          action: 'sayAndCapture',
          params: {
            promptMessage: renderSpokenText(a.prompt, payload, 'sayAndCapture promptMessage'),
            ...a.params,
            ...(ok ? { successMessage: renderSpokenText(ok, payload, 'sayAndCapture successMessage') } : {}),
            ...(failed ? { failureMessage: renderSpokenText(failed, payload, 'sayAndCapture failureMessage') } : {}),
          },
        };
      }
      case 'playFile':
        return { action: 'playFile', params: a.params };
      case 'makeCall':
        return { action: 'makeCall', params: renderMakeCallParams(a.destination, a.source, a.callRecording, payload) };
      case 'callOtherParty':
        if (peer === undefined) throw new RenderError("makeCall other-party needs the caller's masking pair, and this caller has none on this number");
        return { action: 'makeCall', params: renderMakeCallParams(peer, a.source, record ?? a.callRecording, payload) };
      case 'hangup':
        return { action: 'hangup' };
    }
  });
  if (!first) throw new RenderError('there are no actions to answer with');
  return [first, ...rest];
}

/** Text for 8x8's text-to-speech: 1 to 3000 characters once this call's fields are filled in. */
export function renderSpokenText(template: Template, payload: CallActionPayload, what: string): string {
  const text = renderTemplate(template, payload);
  if (text.trim() === '') throw new RenderError(`${what} is empty for this call`);
  if (text.length > MAX_SAY_LENGTH) throw new RenderError(`${what} is ${text.length} characters for this call, over 8x8's ${MAX_SAY_LENGTH}`);
  return text;
}

/** The clientActionId that brings the caller's keys back to a menu step, when the steps end in one. */
export function nextActionId(steps: readonly Step[]): string | undefined {
  const last = steps[steps.length - 1];
  return last?.action === 'sayAndCapture' ? last.next : undefined;
}

/** makeCall's params as 8x8 wants them; throws RenderError when the call has no usable caller ID. */
export function renderMakeCallParams(destination: string, source: string | undefined, callRecording: boolean | undefined, payload: CallActionPayload) {
  // For Number Masking the caller ID must be one of our virtual numbers: the one called.
  const callerId = source ?? normalizePhone(payload.destination);
  if (!E164_SHAPE.test(callerId)) throw new RenderError(`makeCall needs a caller ID, and the called number "${payload.destination}" is not one`);
  return { source: callerId, destination, ...(callRecording === undefined ? {} : { callRecording }) };
}
