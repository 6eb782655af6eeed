import type { SessionsEngine, SessionsSnapshot } from './sessions-engine.js';
import { SessionStore } from './session-store.js';
import { StoreWriter } from './store-writer.js';

/** The sessions in one SQLite file: reads on this thread, writes on the writer thread. */
export class SqliteEngine implements SessionsEngine {
  readonly describe: string;
  private readonly store: SessionStore;
  private readonly writer: StoreWriter;

  constructor(path: string) {
    this.describe = `the sessions file ${path}`;
    this.store = new SessionStore(path); // creates and migrates the file first
    this.writer = new StoreWriter(path);
  }

  /** The file is read in one go at start: nothing else writes it while this router runs. */
  snapshot(endedSince: number | undefined): SessionsSnapshot {
    // The sequence first: a write landing between the reads is seen again by the catch-up, never missed.
    const seq = this.store.lastSeq();
    return { open: this.store.allOpen(), recentlyEnded: endedSince === undefined ? [] : this.store.recentlyEnded(endedSince), seq };
  }

  commit: SessionsEngine['commit'] = (jobs) => this.writer.commit(jobs);
  story: SessionsEngine['story'] = async (calls) => {
    await this.writer.story(calls);
  };
  get: SessionsEngine['get'] = (id) => this.store.get(id);
  list: SessionsEngine['list'] = (q) => this.store.list(q);
  calls: SessionsEngine['calls'] = (id, limit) => this.store.calls(id, limit);
  dueIds: SessionsEngine['dueIds'] = (at, limit) => this.store.dueIds(at, limit);
  changesSince: SessionsEngine['changesSince'] = (seq, limit) => this.store.changesSince(seq, limit);
  maySweep = async () => true;

  async close(): Promise<void> {
    await this.writer.close();
    this.store.close();
  }
}
