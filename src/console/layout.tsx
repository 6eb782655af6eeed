import type { Child } from 'hono/jsx';

const NAV = [
  { href: '/console', label: 'Status', key: 'status' },
  { href: '/console/rules', label: 'Rules', key: 'rules' },
  { href: '/console/try', label: 'Try a call', key: 'try' },
  { href: '/console/week', label: 'Week', key: 'week' },
  { href: '/console/calls', label: 'Calls', key: 'calls' },
  { href: '/console/sessions', label: 'Sessions', key: 'sessions' },
] as const;

export type NavKey = (typeof NAV)[number]['key'];

/** Every page: a skip link, the navigation (current page marked in words, not colour alone), the content. */
export function Layout(props: { title: string; current?: NavKey; signedIn?: boolean; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Call router console`}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        <script src="/console/assets/console.js" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="wrap top-row">
            <a class="brand" href="/console">
              Call router
            </a>
            {props.signedIn !== false && (
              <nav aria-label="Console">
                <ul>
                  {NAV.map((n) => (
                    <li>
                      <a href={n.href} aria-current={n.key === props.current ? 'page' : undefined}>
                        {n.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </nav>
            )}
            {props.signedIn !== false && (
              <form method="post" action="/console/logout" class="logout">
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            )}
          </div>
        </header>
        <main id="main" class="wrap" tabindex={-1}>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** A state in words with a shape beside it, so it never rests on colour alone. */
export function Badge(props: { tone: 'ok' | 'warn' | 'bad' | 'info'; children?: Child }) {
  const mark = { ok: '✓', warn: '!', bad: '✕', info: 'i' }[props.tone];
  return (
    <span class={`badge badge-${props.tone}`}>
      <span aria-hidden="true" class="badge-mark">
        {mark}
      </span>
      {props.children}
    </span>
  );
}

/** UTC time in one readable shape, with the ISO form for machines. */
export function Time(props: { at: Date | number | string }) {
  const d = new Date(props.at);
  const iso = d.toISOString();
  return <time datetime={iso}>{`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`}</time>;
}

/** A page's search box: `?q=` on the page itself, with a way back to the full list once searched. */
export function SearchForm(props: { action: string; label: string; hint: string; value: string }) {
  return (
    <form method="get" action={props.action} class="search" role="search">
      <div>
        <label for="q">
          {props.label}
          <span class="hint">{props.hint}</span>
        </label>
        <input id="q" name="q" type="search" value={props.value} autocomplete="off" />
      </div>
      <button type="submit">Search</button>
      {props.value && <a href={props.action}>Show all</a>}
    </form>
  );
}
