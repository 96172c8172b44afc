/**
 * The key an email is unique by within a contest. Only case and surrounding space are folded:
 * provider-specific rules (Gmail dots, plus-addressing) are not universal and would merge people.
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
