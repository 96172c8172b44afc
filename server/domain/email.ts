/**
 * The key an email is unique by within a contest. Only case and surrounding space are folded:
 * provider-specific rules (Gmail dots, plus-addressing) are not universal and would merge people.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * An email as public surfaces show it: the first character of the local part, then •••, then
 * the domain (`j•••@example.com`). Enough for a person to recognise their own address, too
 * little to write to anyone else's.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '•••';
  return `${Array.from(email)[0]}•••${email.slice(at)}`;
}
