import type { ContestPage, ParticipantView, PublicRank } from '../collector/contest-pages.js';

/**
 * The participant pages' HTML, rendered on the server: they show a few figures and a form, so
 * they read (and the leaderboard works in a frame) before any script runs, and the script only
 * adds the join request, the copy button and the leaderboard's refresh. Every value from the
 * database goes through escapeHtml; there is no inline script or style (see the CSP).
 */

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => escapes[c]);

export interface PageAssets {
  script: string;
  stylesheet: string;
}

function layout(assets: PageAssets, title: string, body: string, bodyClass = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/c/assets/${assets.stylesheet}">
<script defer src="/c/assets/${assets.script}"></script>
</head>
<body${bodyClass ? ` class="${bodyClass}"` : ''}>
${body}
</body>
</html>
`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const contestPath = (contestId: string) => `/c/${encodeURIComponent(contestId)}`;

function howPointsAreEarned({ contest }: ContestPage): string {
  const { advocatePoints, friendPoints, purchasePointsPerUnit } = contest.settings;
  const items = [
    `Share your personal link. Each friend who joins through it earns you ${plural(advocatePoints, 'point')}${friendPoints > 0 ? `, and earns them ${plural(friendPoints, 'point')}` : ''}.`,
  ];
  if (purchasePointsPerUnit > 0) {
    items.push(`When a friend you referred buys, you earn ${plural(purchasePointsPerUnit, 'point')} for each whole unit of currency they spend.`);
  }
  items.push('The leaderboard ranks by points; on equal points, whoever joined first ranks higher.');
  return `<section aria-labelledby="how-heading">
<h2 id="how-heading">How to earn points</h2>
<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>
</section>`;
}

function bonusActionList(actions: { action: string; description: string | null; points: number; completed?: boolean }[]): string {
  if (actions.length === 0) return '';
  const rows = actions.map((a) => {
    const done = a.completed === undefined ? '' : a.completed ? ' <span class="done">(done)</span>' : '';
    return `<li><strong>${escapeHtml(a.description ?? a.action)}</strong>: ${escapeHtml(plural(a.points, 'point'))}${done}</li>`;
  });
  return `<section aria-labelledby="bonus-heading">
<h2 id="bonus-heading">Bonus actions</h2>
<ul>${rows.join('')}</ul>
</section>`;
}

export function contestPageHtml(assets: PageAssets, page: ContestPage, referralCode: string | undefined): string {
  const { contest } = page;
  const join = page.running
    ? `<form id="join-form" class="stack" data-contest-id="${escapeHtml(contest.id)}"${referralCode ? ` data-ref="${escapeHtml(referralCode)}"` : ''} novalidate>
<div class="field">
<label for="join-email">Email</label>
<input id="join-email" name="email" type="email" required maxlength="254" autocomplete="email" aria-describedby="join-error">
</div>
<div class="field">
<label for="join-name">Name <span class="hint">(shown on the leaderboard)</span></label>
<input id="join-name" name="name" type="text" maxlength="200" autocomplete="name">
</div>
<p id="join-error" class="error" aria-live="assertive"></p>
<button type="submit">Join the contest</button>
<p id="join-status" role="status" aria-live="polite"></p>
</form>
<noscript><p>Joining needs JavaScript.</p></noscript>`
    : '<p>This contest is not accepting entries right now.</p>';
  const invited = referralCode ? '<p class="note">A friend invited you: join below and you both earn points.</p>' : '';
  return layout(assets, contest.title, `<main class="card">
<h1>${escapeHtml(contest.title)}</h1>
${contest.description ? `<p class="description">${escapeHtml(contest.description)}</p>` : ''}
${invited}
${howPointsAreEarned(page)}
${bonusActionList(page.bonusActions)}
<section aria-labelledby="join-heading">
<h2 id="join-heading">Join</h2>
${join}
</section>
<p><a href="${contestPath(contest.id)}/leaderboard">See the leaderboard</a></p>
</main>`);
}

/** Share links that need no script or SDK: each service's documented share URL. */
function shareLinks(link: string, title: string): string {
  const text = `Join me in ${title}: ${link}`;
  const q = encodeURIComponent;
  const links = [
    ['Share by email', `mailto:?subject=${q(title)}&body=${q(text)}`],
    ['Share on X', `https://twitter.com/intent/tweet?text=${q(`Join me in ${title}`)}&url=${q(link)}`],
    ['Share on WhatsApp', `https://wa.me/?text=${q(text)}`],
    ['Share on LinkedIn', `https://www.linkedin.com/sharing/share-offsite/?url=${q(link)}`],
  ];
  return `<ul class="share" aria-label="Share your link">${links
    .map(([label, href]) => `<li><a class="button secondary" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${label}</a></li>`)
    .join('')}</ul>`;
}

export function participantPageHtml(assets: PageAssets, view: ParticipantView, link: string): string {
  const { contest } = view.page;
  const { entry } = view;
  const rank = view.rank === undefined ? (entry.disqualified ? 'Not ranked (disqualified)' : 'Not ranked yet') : `#${view.rank}`;
  return layout(assets, `${contest.title}: your page`, `<main class="card">
<h1>${escapeHtml(contest.title)}</h1>
<p>${entry.name ? `Hi ${escapeHtml(entry.name)}! ` : ''}This is your private page. Bookmark it: it is how you come back, and anyone with its address can see your points.</p>
<section aria-labelledby="link-heading">
<h2 id="link-heading">Your referral link</h2>
<div class="field">
<label for="referral-link">Your personal link</label>
<div class="row">
<input id="referral-link" type="text" readonly value="${escapeHtml(link)}">
<button type="button" id="copy-link" data-copy="referral-link">Copy link</button>
</div>
<p id="copy-status" role="status" aria-live="polite"></p>
</div>
${shareLinks(link, contest.title)}
</section>
<section aria-labelledby="standing-heading">
<h2 id="standing-heading">Your standing</h2>
<dl class="figures">
<div><dt>Points</dt><dd id="my-points">${entry.points}</dd></div>
<div><dt>Rank</dt><dd id="my-rank">${escapeHtml(rank)}</dd></div>
<div><dt>Referrals</dt><dd id="my-referrals">${entry.referralsCount}</dd></div>
</dl>
</section>
${bonusActionList(view.bonusActions)}
<p><a href="${contestPath(contest.id)}/leaderboard">See the leaderboard</a></p>
</main>`);
}

export function rankRowsHtml(ranks: PublicRank[]): string {
  if (ranks.length === 0) return '<tr><td colspan="4">No one is ranked yet.</td></tr>';
  return ranks
    .map((r) => `<tr><td>${r.rank}</td><td>${escapeHtml(r.displayName)}</td><td>${r.points}</td><td>${r.referrals}</td></tr>`)
    .join('');
}

export function leaderboardPageHtml(
  assets: PageAssets,
  title: string,
  ranks: PublicRank[],
  refresh: { url: string; seconds: number },
): string {
  return layout(assets, `${title}: leaderboard`, `<main class="board" data-refresh-url="${escapeHtml(refresh.url)}" data-refresh-seconds="${refresh.seconds}">
<h1>${escapeHtml(title)}: leaderboard</h1>
<div class="table-wrap">
<table>
<thead><tr><th scope="col">Rank</th><th scope="col">Name</th><th scope="col">Points</th><th scope="col">Referrals</th></tr></thead>
<tbody id="ranks">${rankRowsHtml(ranks)}</tbody>
</table>
</div>
<p class="hint" id="refreshed" aria-live="polite">Updates every ${refresh.seconds} seconds.</p>
</main>`, 'embedded');
}

export function notFoundHtml(assets: PageAssets): string {
  return layout(assets, 'Page not found', `<main class="card">
<h1>Page not found</h1>
<p>This contest page does not exist, or is not public.</p>
</main>`);
}
