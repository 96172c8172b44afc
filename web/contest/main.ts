import './contest.css';

/**
 * The participant pages' only script (server-rendered HTML does the rest): sends the join form,
 * copies the referral link, and refreshes the leaderboard without reloading. Every value it puts
 * on the page goes in as text, never as HTML.
 */

interface JoinAnswer {
  success: boolean;
  error?: string;
  data?: { status: 'joined' | 'already_joined'; privateUrl?: string; message?: string };
}

function setupJoinForm(form: HTMLFormElement): void {
  const email = form.querySelector<HTMLInputElement>('#join-email')!;
  const name = form.querySelector<HTMLInputElement>('#join-name')!;
  const error = form.querySelector<HTMLElement>('#join-error')!;
  const status = form.querySelector<HTMLElement>('#join-status')!;
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
  const showError = (message: string) => {
    error.textContent = message;
    email.setAttribute('aria-invalid', message ? 'true' : 'false');
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.textContent = '';
    if (!email.value.trim() || !email.checkValidity()) {
      showError('Enter your email address, such as jane@example.com.');
      email.focus();
      return;
    }
    showError('');
    button.disabled = true;
    status.textContent = 'Joining…';
    try {
      const response = await fetch('/api/contest-pages/join', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          contestId: form.dataset.contestId,
          email: email.value.trim(),
          name: name.value.trim() || null,
          referralCode: form.dataset.ref ?? null,
        }),
      });
      const answer = (await response.json()) as JoinAnswer;
      if (!answer.success || !answer.data) {
        status.textContent = '';
        showError(answer.error ?? 'Something went wrong. Please try again.');
      } else if (answer.data.status === 'joined' && answer.data.privateUrl) {
        status.textContent = 'You are in! Opening your page…';
        window.location.assign(answer.data.privateUrl);
      } else {
        status.textContent = answer.data.message ?? '';
      }
    } catch {
      status.textContent = '';
      showError('Could not reach the contest. Check your connection and try again.');
    } finally {
      button.disabled = false;
    }
  });
}

function setupCopyButton(button: HTMLButtonElement): void {
  const input = document.getElementById(button.dataset.copy!) as HTMLInputElement;
  const status = document.getElementById('copy-status')!;
  input.addEventListener('focus', () => input.select());
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(input.value);
      status.textContent = 'Link copied.';
    } catch {
      input.focus();
      input.select();
      status.textContent = 'Press Ctrl+C (or ⌘C) to copy the selected link.';
    }
  });
}

interface RanksAnswer {
  success: boolean;
  data?: { ranks: { rank: number; displayName: string; points: number; referrals: number }[] };
}

function cell(text: string | number, colSpan?: number): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = String(text);
  if (colSpan) td.colSpan = colSpan;
  return td;
}

function setupLeaderboard(board: HTMLElement): void {
  const body = document.getElementById('ranks')!;
  const note = document.getElementById('refreshed')!;
  const url = board.dataset.refreshUrl!;
  const seconds = Number(board.dataset.refreshSeconds) || 30;
  const refresh = async () => {
    if (document.visibilityState === 'hidden') return;
    try {
      const response = await fetch(url, { cache: 'no-store' });
      const answer = (await response.json()) as RanksAnswer;
      if (!answer.success || !answer.data) return;
      const rows = answer.data.ranks.map((r) => {
        const tr = document.createElement('tr');
        tr.append(cell(r.rank), cell(r.displayName), cell(r.points), cell(r.referrals));
        return tr;
      });
      if (rows.length === 0) {
        const tr = document.createElement('tr');
        tr.append(cell('No one is ranked yet.', 4));
        rows.push(tr);
      }
      body.replaceChildren(...rows);
      board.dataset.refreshedAt = String(Date.now());
      note.textContent = `Updated at ${new Date().toLocaleTimeString()}; updates every ${seconds} seconds.`;
    } catch {
      // Offline for a moment: the next refresh tries again.
    }
  };
  setInterval(refresh, seconds * 1000);
}

/**
 * Opened through a referral link (?ref=CODE, when the contest has no referralUrl of its own), the
 * contest page is the landing page: it records the visit as the tracker script would, through the
 * same public endpoint and rules (one visit per visitor and code a day).
 */
function recordReferralVisit(form: HTMLFormElement): void {
  const referralCode = form.dataset.ref;
  if (!referralCode) return;
  const body = JSON.stringify({ referralCode, contestId: form.dataset.contestId, url: location.href, referrer: document.referrer || null });
  fetch('/api/referral/track-visit', { method: 'POST', headers: { 'content-type': 'text/plain' }, body, keepalive: true }).catch(() => {});
}

const form = document.querySelector<HTMLFormElement>('#join-form');
if (form) {
  setupJoinForm(form);
  recordReferralVisit(form);
}
const copy = document.querySelector<HTMLButtonElement>('#copy-link');
if (copy) setupCopyButton(copy);
const board = document.querySelector<HTMLElement>('[data-refresh-url]');
if (board) setupLeaderboard(board);
