// The map of rooms: each folder of src/ and the rooms it may import. This is the one list;
// `npm run lint` (scripts/check-rooms.ts) holds the code to it, and test/rooms.test.ts holds
// README's map to it. A new folder under src/ needs a line here and one in README's map.

/** Rooms every room may import, except a pure one. */
export const SHARED_ROOMS = ['diagnostics', 'text'] as const;

export interface Room {
  /** The rooms this one may import, besides SHARED_ROOMS and the generated types. */
  may: readonly string[];
  /** Imports nothing but the generated types: no other room, no package, no node built-in (no I/O). */
  pure?: true;
}

export const ROOMS: Readonly<Record<string, Room>> = {
  engine: { may: [], pure: true },
  types: { may: [], pure: true },
  diagnostics: { may: [] },
  text: { may: [] },
  source: { may: [] },
  events: { may: ['engine', 'source'] },
  rules: { may: ['engine', 'source'] },
  lint: { may: ['engine', 'rules', 'source'] },
  'rule-tests': { may: ['engine', 'events', 'lint', 'rules', 'sessions', 'source'] },
  config: { may: ['source'] },
  log: { may: [] },
  threads: { may: [] },
  postgres: { may: ['log'] },
  metrics: { may: ['engine'] },
  reload: { may: ['engine', 'log', 'rules', 'source', 'threads'] },
  sessions: { may: ['config', 'engine', 'log', 'postgres', 'rules', 'source', 'threads'] },
  store: { may: ['config', 'engine', 'log', 'metrics', 'postgres', 'threads'] },
  web: { may: [] },
  console: { may: ['engine', 'events', 'metrics', 'reload', 'rules', 'sessions', 'store', 'web'] },
  http: { may: ['config', 'console', 'engine', 'events', 'log', 'metrics', 'reload', 'rules', 'sessions', 'source', 'store', 'web'] },
  server: { may: ['config', 'engine', 'http', 'log', 'metrics', 'postgres', 'reload', 'sessions', 'store'] },
  cli: { may: ['config', 'engine', 'events', 'reload', 'rule-tests', 'rules', 'server', 'sessions', 'source'] },
};
