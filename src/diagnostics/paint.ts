/** ANSI colours for a terminal; plain text otherwise. The one place the CLI's colours are chosen. */
export const COLORS = { error: '31', warning: '33', dim: '2', removed: '31', added: '32' } as const;

export function paint(on: boolean, color: keyof typeof COLORS, text: string): string {
  return on ? `\u001b[${COLORS[color]}m${text}\u001b[0m` : text;
}
