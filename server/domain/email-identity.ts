/**
 * The person behind an email address, for the duplicate_identity fraud check: `jane.doe+x@gmail.com`
 * and `janedoe@googlemail.com` are one mailbox. Only providers known to deliver these variants to
 * the same mailbox are folded; elsewhere `jane+x@example.org` may well be another person, so the
 * address is kept as it is (case and surrounding space aside). Entries stay unique by their exact
 * (case-folded) email: this key only raises a flag.
 */

/** Gmail ignores dots in the local part and treats googlemail.com as gmail.com. */
const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** Providers that deliver `local+anything@` to `local@` (documented sub-addressing). */
const PLUS_TAG_DOMAINS = new Set([
  'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
  'icloud.com', 'me.com', 'mac.com',
  'fastmail.com', 'fastmail.fm',
  'protonmail.com', 'protonmail.ch', 'proton.me', 'pm.me',
  'yandex.ru', 'yandex.com', 'ya.ru',
  'zoho.com', 'hey.com', 'gmx.com', 'gmx.net',
]);

export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : email.slice(at + 1).trim().toLowerCase();
}

export function emailIdentity(email: string): string {
  const folded = email.trim().toLowerCase();
  const at = folded.lastIndexOf('@');
  if (at < 0) return folded;
  let local = folded.slice(0, at);
  let domain = folded.slice(at + 1);
  if (GMAIL_DOMAINS.has(domain)) {
    domain = 'gmail.com';
    local = local.split('+')[0].replaceAll('.', '');
  } else if (PLUS_TAG_DOMAINS.has(domain)) {
    local = local.split('+')[0];
  }
  return `${local}@${domain}`;
}
