/**
 * Live masking sessions as the engine sees them: a lookup handed in through decide's options
 * (the in-memory index of src/sessions implements it), so the engine stays free of I/O.
 */

/** An open session that connects the caller, found by the virtual number they dialled. */
export interface SessionPeer {
  sessionId: string;
  /** The other party, +E.164. */
  peer: string;
  /** The session's `record`: when set, it decides callRecording of the call to the other party. */
  record?: boolean;
}

/** An open session found by its virtual number and PIN (for PIN menus). */
export interface SessionByPin {
  sessionId: string;
  parties: readonly [string, string];
  record?: boolean;
}

export interface SessionLookup {
  /** The open session of `caller` on `virtualNumber` (both +E.164) at epoch ms `at`, if any. */
  otherParty(caller: string, virtualNumber: string, at: number): SessionPeer | undefined;
  /** The open session on `virtualNumber` with this PIN at epoch ms `at`, if any. */
  byPin(virtualNumber: string, pin: string, at: number): SessionByPin | undefined;
}
