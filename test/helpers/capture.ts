import type { Output } from '../../src/cli/print-diagnostics.js';

/** An Output that keeps what a command writes, as a terminal without colour would show it. */
export function capture(): Output & { text: string } {
  const o = {
    text: '',
    color: false,
    write(t: string) {
      o.text += t;
    },
  };
  return o;
}
