import { h, render, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './admin.css';
import { api, ApiFailure, shareOf } from './api.js';
import { CHART_HEIGHT, chartWidth, drawDailyChart, type DailyPoint } from './chart.js';

/*
 * The operators' dashboard: a thin client over /api/v1 and /admin/api, routed by the URL hash
 * (#/contests/ID, #/entries/ID, #/keys, #/audit) so every page is a link and needs no server
 * route of its own. Written with Preact's h() rather than JSX, so the root typecheck covers it.
 */

type Route = { page: 'contests' } | { page: 'contest'; id: string } | { page: 'entry'; id: string } | { page: 'keys' } | { page: 'audit' };

function parseRoute(hash: string): Route {
  const [first, id] = hash.replace(/^#\/?/, '').split('/');
  if (first === 'contests' && id) return { page: 'contest', id: decodeURIComponent(id) };
  if (first === 'entries' && id) return { page: 'entry', id: decodeURIComponent(id) };
  if (first === 'keys') return { page: 'keys' };
  if (first === 'audit') return { page: 'audit' };
  return { page: 'contests' };
}

const today = () => new Date().toISOString().slice(0, 10);
const daysBefore = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
const when = (iso: string | null) => (iso ? iso.replace('T', ' ').slice(0, 16) : '—');
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A labelled input: every input has a label, errors sit next to their form. */
function Field(props: { label: string; name: string; type?: string; value?: string | number; required?: boolean; min?: number; autocomplete?: string; checked?: boolean }) {
  const id = `f-${props.name}`;
  return h('div', { class: props.type === 'checkbox' ? 'field check' : 'field' },
    h('label', { for: id }, props.label),
    h('input', { id, name: props.name, type: props.type ?? 'text', value: props.value, required: props.required, min: props.min, autocomplete: props.autocomplete, checked: props.checked }),
  );
}

function FormError(props: { error: string | null }) {
  return props.error ? h('p', { class: 'error', role: 'alert' }, props.error) : null;
}

function useLoad<T>(load: () => Promise<T>, deps: unknown[]): [T | undefined, string | null, () => void] {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    load().then(setData, (e) => setError(errorText(e)));
  }, [...deps, tick]);
  return [data, error, () => setTick((n) => n + 1)];
}

const formValues = (event: Event) => Object.fromEntries(new FormData(event.currentTarget as HTMLFormElement)) as Record<string, string>;

function Login(props: { onSignedIn: () => void }) {
  const [error, setError] = useState<string | null>(null);
  return h('main', { class: 'login' },
    h('h1', null, 'refrocket — sign in'),
    h('form', {
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const { email, password } = formValues(event);
        try {
          await api('POST', '/admin/api/login', { email, password });
          props.onSignedIn();
        } catch (e) {
          setError(errorText(e));
        }
      },
    },
    h(Field, { label: 'Email', name: 'email', type: 'email', required: true, autocomplete: 'username' }),
    h(Field, { label: 'Password', name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
    h(FormError, { error }),
    h('button', { type: 'submit' }, 'Sign in')),
  );
}

function ContestForm(props: { contest?: any; onSaved: (contest: any) => void }) {
  const [error, setError] = useState<string | null>(null);
  const c = props.contest;
  const s = c?.settings ?? {};
  return h('form', {
    class: 'contest-form',
    onSubmit: async (event: Event) => {
      event.preventDefault();
      const v = formValues(event);
      const body = {
        title: v.title,
        status: v.status,
        startDate: v.startDate ? `${v.startDate}T00:00:00.000Z` : null,
        endDate: v.endDate ? `${v.endDate}T23:59:59.999Z` : null,
        settings: {
          advocatePoints: Number(v.advocatePoints),
          friendPoints: Number(v.friendPoints),
          purchasePointsPerUnit: Number(v.purchasePointsPerUnit),
          referralUrl: v.referralUrl.trim() || null,
          publicPages: v.publicPages === 'on',
          leaderboardFrameAncestors: v.leaderboardFrameAncestors.split(/\s+/).filter(Boolean),
        },
      };
      try {
        const res = c ? await api('PUT', `/api/v1/contests/${encodeURIComponent(c.id)}`, body) : await api('POST', '/api/v1/contests', body);
        setError(null);
        props.onSaved(res.data);
      } catch (e) {
        setError(errorText(e));
      }
    },
  },
  h('fieldset', null,
    h('legend', null, c ? 'Edit contest' : 'New contest'),
    h(Field, { label: 'Title', name: 'title', value: c?.title, required: true }),
    h('div', { class: 'field' },
      h('label', { for: 'f-status' }, 'Status'),
      h('select', { id: 'f-status', name: 'status', value: c?.status ?? 'active' },
        ['draft', 'active', 'paused', 'ended'].map((st) => h('option', { value: st }, st)))),
    h(Field, { label: 'Start date (UTC)', name: 'startDate', type: 'date', value: c?.startDate?.slice(0, 10) }),
    h(Field, { label: 'End date (UTC)', name: 'endDate', type: 'date', value: c?.endDate?.slice(0, 10) }),
    h(Field, { label: 'Points per referral (advocate)', name: 'advocatePoints', type: 'number', min: 0, value: s.advocatePoints ?? 10 }),
    h(Field, { label: 'Points for the referred friend', name: 'friendPoints', type: 'number', min: 0, value: s.friendPoints ?? 5 }),
    h(Field, { label: 'Points per currency unit spent', name: 'purchasePointsPerUnit', type: 'number', min: 0, value: s.purchasePointsPerUnit ?? 1 }),
    h(Field, { label: "Referral URL (your page with the script; empty: the contest's page)", name: 'referralUrl', type: 'url', value: s.referralUrl ?? '' }),
    h(Field, { label: 'Sites that may embed the leaderboard (origins, space-separated)', name: 'leaderboardFrameAncestors', value: (s.leaderboardFrameAncestors ?? []).join(' ') }),
    h(Field, { label: 'Public contest pages', name: 'publicPages', type: 'checkbox', checked: s.publicPages ?? true }),
    h(FormError, { error }),
    h('button', { type: 'submit' }, c ? 'Save contest' : 'Create contest')));
}

function Contests() {
  const [list, error, reload] = useLoad(() => api('GET', '/api/v1/contests'), []);
  const [created, setCreated] = useState<any>(null);
  return h('section', null,
    h('h1', null, 'Contests'),
    h(FormError, { error }),
    h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['Title', 'Status', 'Start', 'End', 'Entries'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, (list?.data ?? []).map((c: any) => h('tr', null,
        h('td', null, h('a', { href: `#/contests/${encodeURIComponent(c.id)}` }, c.title)),
        h('td', null, c.status), h('td', null, when(c.startDate)), h('td', null, when(c.endDate)), h('td', { class: 'num' }, c.entriesCount)))))),
    created && h('p', { class: 'notice', role: 'status' }, `Created "${created.title}". Its webhook secret, shown only now: `, h('code', null, created.webhookSecret)),
    h(ContestForm, { onSaved: (c: any) => { setCreated(c); reload(); } }),
  );
}

function Overview(props: { contestId: string }) {
  const [to, setTo] = useState(today());
  const [from, setFrom] = useState(daysBefore(today(), 29));
  const [points, setPoints] = useState<DailyPoint[]>([]);
  const [error, setError] = useState<string | null>(null);
  const chart = useRef<HTMLDivElement>(null);
  const [totals] = useLoad(() => api('GET', `/api/v1/contests/${encodeURIComponent(props.contestId)}/analytics`), [props.contestId]);
  useEffect(() => {
    api('GET', `/api/v1/contests/${encodeURIComponent(props.contestId)}/analytics/daily?from=${from}&to=${to}`)
      .then((res) => { setPoints(res.data); setError(null); }, (e) => setError(errorText(e)));
  }, [props.contestId, from, to]);
  useEffect(() => {
    if (!chart.current || points.length === 0) return;
    const box = chart.current;
    const plot = drawDailyChart(box, points);
    // Follows the box when the window is resized or a phone turns (the box's width comes from
    // the page, never from the chart inside it, which scrolls).
    const resize = new ResizeObserver(() => plot.setSize({ width: chartWidth(box), height: CHART_HEIGHT }));
    resize.observe(box);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [points]);
  const sum = (key: keyof DailyPoint) => points.reduce((n, p) => n + (p[key] as number), 0);
  const t = totals?.data;
  return h('section', { 'aria-labelledby': 'overview-h' },
    h('h2', { id: 'overview-h' }, 'Overview'),
    t && h('dl', { class: 'totals' },
      h('div', null, h('dt', null, 'Entries'), h('dd', null, t.totalEntries)),
      h('div', null, h('dt', null, 'Confirmed'), h('dd', null, `${t.confirmedEntries} (${shareOf(t.confirmedEntries, t.totalEntries)} of entries)`)),
      h('div', null, h('dt', null, 'Disqualified'), h('dd', null, t.disqualifiedEntries)),
      h('div', null, h('dt', null, 'Referral-link visits'), h('dd', null, t.totalViews)),
      h('div', null, h('dt', null, 'Points awarded'), h('dd', null, t.points.total))),
    h('form', { class: 'range', onSubmit: (e: Event) => { e.preventDefault(); const v = formValues(e); setFrom(v.from); setTo(v.to); } },
      h(Field, { label: 'From (UTC)', name: 'from', type: 'date', value: from }),
      h(Field, { label: 'To (UTC)', name: 'to', type: 'date', value: to }),
      h('button', { type: 'submit' }, 'Show range')),
    h(FormError, { error }),
    h('div', { class: 'chart', ref: chart, role: 'img', 'aria-label': 'Visits, signups, referred signups and purchases per day' }),
    // Counts along the funnel; the only percentage is of a subset (referred ⊆ signups), so it
    // can never pass 100% (visits count only referral-link arrivals; signups come from anywhere).
    h('ol', { class: 'funnel', 'aria-label': 'Funnel for the range' },
      h('li', null, h('strong', null, sum('visits')), ' referral-link visits'),
      h('li', null, h('strong', null, sum('signups')), ' signups, of which ', h('strong', null, sum('referredSignups')),
        ` referred (${shareOf(sum('referredSignups'), sum('signups'))})`),
      h('li', null, h('strong', null, sum('purchases')), ' purchases')),
  );
}

function Leaderboard(props: { contestId: string }) {
  const [rows] = useLoad(() => api('GET', `/api/v1/contests/${encodeURIComponent(props.contestId)}/leaderboard?limit=100`), [props.contestId]);
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(0);
  const PAGE = 20;
  const needle = search.trim().toLowerCase();
  const matches = (rows?.data ?? []).filter((r: any) => !needle || (r.email ?? '').toLowerCase().includes(needle) || r.referralCode.toLowerCase().includes(needle));
  const shown = matches.slice(page * PAGE, page * PAGE + PAGE);
  return h('section', { 'aria-labelledby': 'lb-h' },
    h('h2', { id: 'lb-h' }, 'Leaderboard'),
    h('div', { class: 'field' }, h('label', { for: 'lb-search' }, 'Search by email or code'),
      h('input', { id: 'lb-search', type: 'search', value: search, onInput: (e: Event) => { setSearch((e.target as HTMLInputElement).value); setPage(0); } })),
    h('div', { class: 'table-wrap' }, h('table', { class: 'leaderboard' },
      h('thead', null, h('tr', null, ['Rank', 'Name', 'Email', 'Code', 'Points', 'Referrals'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, shown.map((r: any) => h('tr', null,
        h('td', { class: 'num' }, r.rank), h('td', null, h('a', { href: `#/entries/${encodeURIComponent(r.id)}` }, r.name ?? '(no name)')),
        h('td', null, r.email ?? '—'), h('td', null, h('code', null, r.referralCode)),
        h('td', { class: 'num' }, r.points), h('td', { class: 'num' }, r.referralsCount)))))),
    h('nav', { class: 'pager', 'aria-label': 'Leaderboard pages' },
      h('button', { type: 'button', disabled: page === 0, onClick: () => setPage(page - 1) }, 'Previous'),
      h('span', null, `Page ${page + 1} of ${Math.max(1, Math.ceil(matches.length / PAGE))}`),
      h('button', { type: 'button', disabled: (page + 1) * PAGE >= matches.length, onClick: () => setPage(page + 1) }, 'Next')),
  );
}

function AuditTable(props: { contestId?: string }) {
  const query = props.contestId ? `?contestId=${encodeURIComponent(props.contestId)}` : '';
  const [rows, error] = useLoad(() => api('GET', `/admin/api/audit${query}`), [query]);
  return h('div', null, h(FormError, { error }), h('div', { class: 'table-wrap' }, h('table', null,
    h('thead', null, h('tr', null, ['When (UTC)', 'Operator', 'Action', 'Entry', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', null, (rows?.data ?? []).map((r: any) => h('tr', null,
      h('td', null, when(r.createdAt)), h('td', null, r.operatorEmail), h('td', null, h('code', null, r.action)),
      h('td', null, r.entryId ? h('a', { href: `#/entries/${encodeURIComponent(r.entryId)}` }, r.entryId) : '—'), h('td', null, r.detail ?? '')))))));
}

function ContestPage(props: { id: string }) {
  const [contest, error, reload] = useLoad(() => api('GET', `/api/v1/contests/${encodeURIComponent(props.id)}`), [props.id]);
  const [secret, setSecret] = useState<string | null>(null);
  const c = contest?.data;
  if (error) return h(FormError, { error });
  if (!c) return h('p', null, 'Loading…');
  const base = `/admin/api/contests/${encodeURIComponent(c.id)}`;
  return h('section', null,
    h('h1', null, c.title),
    h('p', null, `Status: ${c.status} · ${when(c.startDate)} → ${when(c.endDate)} · id `, h('code', null, c.id)),
    c.settings.publicPages && h('p', { class: 'actions' },
      h('a', { href: `/c/${encodeURIComponent(c.id)}` }, 'Contest page'),
      h('a', { href: `/c/${encodeURIComponent(c.id)}/leaderboard` }, 'Public leaderboard')),
    h('p', { class: 'actions' },
      h('a', { href: `${base}/export/entries.csv`, download: '' }, 'Export entries (CSV)'),
      h('a', { href: `${base}/export/purchases.csv`, download: '' }, 'Export purchases (CSV)'),
      h('button', { type: 'button', onClick: async () => setSecret((await api('POST', `${base}/webhook-secret`)).data.webhookSecret) }, 'Rotate webhook secret')),
    secret && h('p', { class: 'notice', role: 'status' }, 'New webhook secret, shown only now: ', h('code', null, secret)),
    h(Overview, { contestId: c.id }),
    h(Leaderboard, { contestId: c.id }),
    h(ContestForm, { contest: c, onSaved: () => reload() }),
    h('section', { 'aria-labelledby': 'audit-h' }, h('h2', { id: 'audit-h' }, 'Audit log'), h(AuditTable, { contestId: c.id })),
  );
}

function ReasonForm(props: { label: string; button: string; withPoints?: boolean; onSubmit: (v: Record<string, string>) => Promise<unknown> }) {
  const [error, setError] = useState<string | null>(null);
  const name = props.button.toLowerCase().replace(/\W+/g, '-');
  return h('form', {
    class: 'inline-form',
    onSubmit: async (event: Event) => {
      event.preventDefault();
      const form = event.currentTarget as HTMLFormElement;
      try {
        await props.onSubmit(formValues(event));
        form.reset();
        setError(null);
      } catch (e) {
        setError(errorText(e));
      }
    },
  },
  props.withPoints && h(Field, { label: 'Points (+/-)', name: 'points', type: 'number', required: true }),
  h('div', { class: 'field' }, h('label', { for: `r-${name}` }, props.label), h('input', { id: `r-${name}`, name: 'reason', required: true })),
  h(FormError, { error }),
  h('button', { type: 'submit' }, props.button));
}

function EntryPage(props: { id: string }) {
  const path = `/api/v1/entries/${encodeURIComponent(props.id)}`;
  const [entry, error, reload] = useLoad(() => api('GET', path), [props.id]);
  const [ledger, , reloadLedger] = useLoad(() => api('GET', `/admin/api/entries/${encodeURIComponent(props.id)}/ledger`), [props.id]);
  const refresh = () => { reload(); reloadLedger(); };
  const e = entry?.data;
  if (error) return h(FormError, { error });
  if (!e) return h('p', null, 'Loading…');
  return h('section', null,
    h('h1', null, e.name ?? e.email ?? e.id),
    h('dl', { class: 'totals' },
      h('div', null, h('dt', null, 'Email'), h('dd', null, e.email ?? '(erased)')),
      h('div', null, h('dt', null, 'Code'), h('dd', null, h('code', null, e.referralCode))),
      h('div', null, h('dt', null, 'Points'), h('dd', { id: 'entry-points' }, e.points)),
      h('div', null, h('dt', null, 'Referrals'), h('dd', null, e.referralsCount)),
      h('div', null, h('dt', null, 'Status'), h('dd', { id: 'entry-status' }, e.disqualified ? 'disqualified' : 'qualified'))),
    h('h2', null, 'Points ledger'),
    h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['When (UTC)', 'Change', 'Reason', 'Source / note'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, (ledger?.data ?? []).map((r: any) => h('tr', null,
        h('td', null, when(r.createdAt)), h('td', { class: 'num' }, r.delta > 0 ? `+${r.delta}` : r.delta), h('td', null, r.reason), h('td', null, r.note ?? r.sourceId ?? '')))))),
    h('h2', null, 'Actions'),
    h(ReasonForm, { label: 'Reason for the adjustment', button: 'Adjust points', withPoints: true, onSubmit: (v) => api('POST', `${path}/points`, { points: Number(v.points), reason: v.reason }).then(refresh) }),
    e.disqualified
      ? h(ReasonForm, { label: 'Reason to requalify', button: 'Requalify', onSubmit: (v) => api('POST', `/admin/api/entries/${encodeURIComponent(e.id)}/requalify`, { reason: v.reason }).then(refresh) })
      : h(ReasonForm, { label: 'Reason to disqualify', button: 'Disqualify', onSubmit: (v) => api('POST', `${path}/disqualify`, { reason: v.reason }).then(refresh) }),
    h('button', {
      type: 'button',
      class: 'danger',
      onClick: async () => {
        if (window.confirm('Erase this entry\'s email, name and phone? This cannot be undone.')) {
          await api('DELETE', path);
          refresh();
        }
      },
    }, 'Erase personal data'),
  );
}

function KeysPage() {
  const [keys, error, reload] = useLoad(() => api('GET', '/admin/api/keys'), []);
  const [operators] = useLoad(() => api('GET', '/admin/api/operators'), []);
  const [created, setCreated] = useState<string | null>(null);
  return h('section', null,
    h('h1', null, 'API keys'),
    h(FormError, { error }),
    created && h('p', { class: 'notice', role: 'status' }, 'New key, shown only now: ', h('code', null, created)),
    h('form', {
      class: 'inline-form',
      onSubmit: async (event: Event) => {
        event.preventDefault();
        const v = formValues(event);
        setCreated((await api('POST', '/admin/api/keys', { type: v.type, label: v.label || null })).data.key);
        reload();
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'k-type' }, 'Key type'),
      h('select', { id: 'k-type', name: 'type' }, h('option', { value: 'public' }, 'public (widgets)'), h('option', { value: 'private' }, 'private (backends)'))),
    h(Field, { label: 'Label', name: 'label' }),
    h('button', { type: 'submit' }, 'Create key')),
    h('div', { class: 'table-wrap' }, h('table', null,
      h('thead', null, h('tr', null, ['Key', 'Type', 'Label', 'Created', 'Revoked', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, (keys?.data ?? []).map((k: any) => h('tr', null,
        h('td', null, h('code', null, `${k.prefix}…`)), h('td', null, k.type), h('td', null, k.label ?? ''), h('td', null, when(k.createdAt)), h('td', null, when(k.revokedAt)),
        h('td', null, !k.revokedAt && h('button', { type: 'button', onClick: async () => { await api('DELETE', `/admin/api/keys/${k.id}`); reload(); } }, `Revoke ${k.prefix}…`))))))),
    h('h2', null, 'Operators'),
    h('ul', null, (operators?.data ?? []).map((o: any) => h('li', null, `${o.email} (since ${when(o.createdAt)})`))),
  );
}

function Shell(props: { email: string; onSignedOut: () => void; children?: ComponentChildren }) {
  return h('div', null,
    h('header', { class: 'top' },
      h('nav', { 'aria-label': 'Main' },
        h('a', { href: '#/' }, 'Contests'), h('a', { href: '#/keys' }, 'API keys'), h('a', { href: '#/audit' }, 'Audit log')),
      h('span', { class: 'who' }, props.email),
      h('button', { type: 'button', onClick: async () => { await api('POST', '/admin/api/logout'); props.onSignedOut(); } }, 'Sign out')),
    h('main', null, props.children));
}

function App() {
  const [me, setMe] = useState<{ email: string } | null | undefined>(undefined);
  const [route, setRoute] = useState(parseRoute(location.hash));
  const checkSession = () => api('GET', '/admin/api/me').then((r) => setMe(r.data), (e) => setMe(e instanceof ApiFailure && e.status === 401 ? null : null));
  useEffect(() => {
    checkSession();
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  if (me === undefined) return h('p', null, 'Loading…');
  if (me === null) return h(Login, { onSignedIn: checkSession });
  const page = route.page === 'contest' ? h(ContestPage, { id: route.id })
    : route.page === 'entry' ? h(EntryPage, { id: route.id })
    : route.page === 'keys' ? h(KeysPage, null)
    : route.page === 'audit' ? h('section', null, h('h1', null, 'Audit log'), h(AuditTable, { contestId: undefined }))
    : h(Contests, null);
  return h(Shell, { email: me.email, onSignedOut: () => setMe(null) }, page);
}

render(h(App, null), document.getElementById('app')!);
