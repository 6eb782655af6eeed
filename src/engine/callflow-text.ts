import type { CallActionPayload } from '../types/generated/call-action.js';
import { RenderError, renderCallflow, renderSpokenText, renderMakeCallParams } from './render-callflow.js';
import type { Action, Step, Template } from './rule-set.js';

/**
 * The callflow as the JSON text 8x8 receives, byte for byte what `JSON.stringify` makes of
 * `renderCallflow`, without building the objects per call. A step list is prepared once, on first
 * use: everything fixed is serialised into string pieces, and what depends on the call (a text
 * with `{{field}}`, a makeCall whose caller ID is the number called, the other party) is a hole,
 * filled with `JSON.stringify` of exactly the value `renderCallflow` would have put there.
 *
 * Prepared lists are remembered by the list itself (a rule's compiled actions never change), so
 * nothing is added to the compiled rules and a rule set that crosses a thread needs nothing extra.
 * Lists with a split, and lists whose fixed parts can never render, go the object way every time.
 */
export function callflowText(actions: readonly Action[], payload: CallActionPayload, peer?: string, record?: boolean): string {
  let prepared = cache.get(actions);
  if (prepared === undefined) cache.set(actions, (prepared = prepare(actions)));
  if (prepared === NOT_PREPARED) return JSON.stringify(renderCallflow(actions, payload, peer, record));
  const { pieces, holes } = prepared;
  let out = pieces[0]!;
  for (let i = 0; i < holes.length; i++) out += fill(holes[i]!, payload, peer, record) + pieces[i + 1]!;
  return out;
}

type Hole = { kind: 'spoken'; template: Template; what: string } | { kind: 'makeCall'; step: Extract<Step, { action: 'makeCall' }> } | { kind: 'otherParty'; step: Extract<Step, { action: 'callOtherParty' }> };

interface Prepared {
  /** One more piece than holes: piece, hole, piece, …, piece. */
  pieces: readonly string[];
  holes: readonly Hole[];
}

const NOT_PREPARED = Symbol('not prepared');
class NotPreparable extends Error {}
const cache = new WeakMap<readonly Action[], Prepared | typeof NOT_PREPARED>();

function fill(hole: Hole, payload: CallActionPayload, peer: string | undefined, record: boolean | undefined): string {
  switch (hole.kind) {
    case 'spoken':
      return JSON.stringify(renderSpokenText(hole.template, payload, hole.what));
    case 'makeCall':
      return JSON.stringify(renderMakeCallParams(hole.step.destination, hole.step.source, hole.step.callRecording, payload));
    case 'otherParty':
      if (peer === undefined) throw new RenderError("makeCall other-party needs the caller's masking pair, and this caller has none on this number");
      return JSON.stringify(renderMakeCallParams(peer, hole.step.source, record ?? hole.step.callRecording, payload));
  }
}

function prepare(actions: readonly Action[]): Prepared | typeof NOT_PREPARED {
  if (actions.length === 0 || actions.some((a) => a.action === 'split')) return NOT_PREPARED;
  // Each hole is written as a unique marker string, serialised with the fixed parts, and cut out again.
  const nonce = `\u0001hole-${Math.random().toString(36).slice(2)}-`;
  const holes: Hole[] = [];
  const hole = (h: Hole): string => `${nonce}${holes.push(h) - 1}`;
  const spoken = (template: Template, what: string): string => (template.parts.every((p) => typeof p === 'string') ? fixedText(template, what) : hole({ kind: 'spoken', template, what }));
  try {
    const callflow = (actions as readonly Step[]).map((a) => {
      switch (a.action) {
        case 'say':
          return { action: 'say', params: { text: spoken(a.text, 'say text'), ...a.params } };
        case 'sayAndCapture': {
          const { successMessage: ok, failureMessage: failed } = a;
          return {
            action: 'sayAndCapture',
            params: {
              promptMessage: spoken(a.prompt, 'sayAndCapture promptMessage'),
              ...a.params,
              ...(ok ? { successMessage: spoken(ok, 'sayAndCapture successMessage') } : {}),
              ...(failed ? { failureMessage: spoken(failed, 'sayAndCapture failureMessage') } : {}),
            },
          };
        }
        case 'playFile':
          return { action: 'playFile', params: a.params };
        case 'makeCall':
          return { action: 'makeCall', params: a.source === undefined ? hole({ kind: 'makeCall', step: a }) : renderMakeCallParams(a.destination, a.source, a.callRecording, NO_CALL) };
        case 'callOtherParty':
          return { action: 'makeCall', params: hole({ kind: 'otherParty', step: a }) };
        case 'hangup':
          return { action: 'hangup' };
        default:
          // A step this file does not know yet: renderCallflow decides it, the object way.
          throw new NotPreparable();
      }
    });
    const text = JSON.stringify(callflow);
    const pieces: string[] = [];
    let rest = text;
    for (let i = 0; i < holes.length; i++) {
      const marker = JSON.stringify(`${nonce}${i}`);
      const at = rest.indexOf(marker);
      // The marker must appear exactly once, or the pieces could not be trusted.
      if (at < 0 || rest.indexOf(marker, at + marker.length) >= 0) return NOT_PREPARED;
      pieces.push(rest.slice(0, at));
      rest = rest.slice(at + marker.length);
    }
    pieces.push(rest);
    return pieces.some((p) => p.includes(nonce.slice(1))) ? NOT_PREPARED : { pieces, holes };
  } catch (e) {
    // A fixed part that can never render: every call goes the object way and gets its error there.
    if (e instanceof RenderError || e instanceof NotPreparable) return NOT_PREPARED;
    throw e;
  }
}

/** Stands in for the call where a fixed part is checked at preparation; fixed parts never read it. */
const NO_CALL: CallActionPayload = { eventId: '', callId: '', sessionId: '', source: '', destination: '' };

function fixedText(template: Template, what: string): string {
  return renderSpokenText(template, NO_CALL, what);
}
