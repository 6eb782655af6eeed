import type { Session } from '../../sessions/session.js';
import { formatPhone } from '../describe-rule.js';
import { Layout, SearchForm, Time } from '../layout.js';

export interface SessionsView {
  /** The number searched for, as typed; empty for all. */
  search: string;
  /** Open sessions, newest first; undefined when live sessions are off. */
  sessions: Session[] | undefined;
}

/** Live masking sessions: who can reach whom through which virtual number, until when. */
export function SessionsPage({ view }: { view: SessionsView }) {
  return (
    <Layout title="Live sessions" current="sessions">
      <SearchForm action="/console/sessions" label="Find a session" hint="A party's phone number, in international form" value={view.search} />
      {view.sessions === undefined && <p class="notice">Live masking sessions are off (SESSIONS_DB=off), so there are none to show.</p>}
      {view.sessions?.length === 0 && <p>{view.search ? `No open session has ${view.search} as a party.` : 'No session is open right now.'}</p>}
      {view.sessions && view.sessions.length > 0 && (
        <div class="table-scroll">
          <table class="calls-table">
            <caption>{view.search ? `Open sessions of ${view.search}, newest first` : `The latest ${view.sessions.length} open sessions, newest first`}</caption>
            <thead>
              <tr>
                <th scope="col">Virtual number</th>
                <th scope="col">Parties</th>
                <th scope="col">Ends</th>
                <th scope="col">Reference</th>
                <th scope="col">Session</th>
              </tr>
            </thead>
            <tbody>
              {view.sessions.map((s) => (
                <tr>
                  <td data-label="Virtual number" class="mono">
                    {formatPhone(s.virtualNumber)}
                  </td>
                  <td data-label="Parties" class="mono">
                    {`${formatPhone(s.parties[0])} ⇄ ${formatPhone(s.parties[1])}`}
                  </td>
                  <td data-label="Ends">{s.expiresAt !== undefined ? <Time at={s.expiresAt} /> : s.idleTtl !== undefined ? `after ${s.idleTtl} s without a call` : 'when closed'}</td>
                  <td data-label="Reference">{s.ref ?? '–'}</td>
                  <td data-label="Session" class="mono">
                    {s.id}
                    {s.record ? ' (recorded)' : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
