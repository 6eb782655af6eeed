import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The thread that copies the sessions file's write-ahead log back into the file (a checkpoint).
 * SQLite does that inside a commit once the log passes 1,000 pages, and that commit then waited
 * for the copy and its flush to disk: 170 ms instead of 5, the creates' slowest answers. Here it
 * runs beside the writer (WAL lets a checkpoint and a commit run at once) and no answer waits
 * for it. A checkpoint only moves what is already committed: nothing acknowledged depends on it.
 */
const { path, everyMs } = workerData as { path: string; everyMs: number };
// Opened on the first tick that finds the file: the writer thread, started at the same time,
// may not have created it yet.
let db: Database.Database | undefined;
function connect(): Database.Database | undefined {
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
  } catch {
    db?.close();
    db = undefined;
  }
  return db;
}

// PASSIVE: never waits for the writer or a reader; with nothing new in the log it reads one header.
const timer = setInterval(() => {
  try {
    (db ?? connect())?.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Tried again next time; meanwhile the writer's own limit (WAL_LIMIT_PAGES) bounds the log.
  }
}, everyMs);
parentPort?.on('message', (m: { type: 'close' }) => {
  if (m.type !== 'close') return;
  clearInterval(timer);
  db?.close();
  parentPort?.postMessage({ closed: true });
});
