/** A pool of virtual numbers that live masking sessions are given numbers from (pools.yaml). */
export interface PoolNumber {
  /** +E.164 */
  number: string;
  refId?: string;
  /** Two letters, upper case, when known. */
  country?: string;
}

export interface Pool {
  name: string;
  /** Milliseconds before a number goes back to a party whose session on it ended. */
  coolOffMs: number;
  numbers: readonly PoolNumber[];
  file: string;
  line: number;
}
