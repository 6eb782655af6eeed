import pg from 'pg';

export interface PipelinedOptions {
  connectionString: string;
  /** Sent first on every new connection (e.g. `SET synchronous_commit = off`). */
  setup?: readonly string[];
  applicationName: string;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

/**
 * One long-lived connection for many small statements at once: no pool checkout per statement,
 * and pg's pipeline mode sends each statement without waiting for the one before. Statements
 * issued in one event-loop turn go out in one write (the socket is corked until the turn's I/O is
 * done). Each statement has its own Sync, so one that fails fails alone. A connection that breaks
 * fails the statements on it and the next statement opens a new one: no more than one connect
 * attempt at a time, however many calls arrive while the database is down.
 */
export class PipelinedConnection {
  private client: pg.Client | undefined;
  private corked: { uncork(): void } | undefined;
  private closed = false;

  constructor(private readonly options: PipelinedOptions) {}

  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    if (this.closed) return Promise.reject(new Error('the connection to PostgreSQL is closed (the router is stopping)'));
    const client = this.client ?? this.open();
    this.cork(client);
    return new Promise((resolve, reject) => {
      // Built from the text, not the config: given a config object, pg copies it property by
      // property on every statement (a few µs per call in a profile of the router).
      const query = new pg.Query<R>(config.text, config.values ?? [], (err, result) => (err ? reject(err) : resolve(result as unknown as pg.QueryResult<R>)));
      if (config.name !== undefined) (query as { name?: string }).name = config.name;
      client.query(query);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private open(): pg.Client {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      pipeline: true,
      connectionTimeoutMillis: this.options.connectTimeoutMs,
      statement_timeout: this.options.statementTimeoutMs,
      application_name: this.options.applicationName,
    } as pg.ClientConfig);
    const drop = () => {
      if (this.client === client) this.client = undefined;
    };
    // Without a listener a broken connection would end the process; its statements fail on their own.
    client.on('error', drop);
    client.on('end', drop);
    client.connect().catch(drop);
    // Queued by pg until the connection is up, and sent ahead of everything else.
    for (const sql of this.options.setup ?? []) client.query(sql).catch(() => {});
    this.client = client;
    return client;
  }

  /** Holds this turn's statements in the socket's buffer, to go in one write once the turn's I/O callbacks have run. */
  private cork(client: pg.Client): void {
    if (this.corked) return;
    const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
    if (!stream?.cork || !stream.uncork) return;
    stream.cork();
    const corked = { uncork: () => stream.uncork?.() };
    this.corked = corked;
    setImmediate(() => {
      this.corked = undefined;
      corked.uncork();
    });
  }
}
