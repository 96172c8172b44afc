/**
 * The few cookie operations the script needs. js-cookie was the plan, but it costs ~590 gzip bytes
 * of a 2,000-byte budget (measured: the full script is ~2,500 bytes with it); codes are limited to
 * [A-Za-z0-9_.-] (see cleanCode), so no encoding is needed and this is all that is left of it.
 */

/** The value of cookie `name`, or undefined. */
export function getCookie(name: string): string | undefined {
  const match = document.cookie.match('(?:^|; )' + name + '=([^;]*)');
  return match ? match[1] : undefined;
}

/**
 * Writes cookie `name` on path `/` with `SameSite=Lax`, `Max-Age` = `days` (≤ 0 deletes it),
 * `Domain` when given (else host-only) and `Secure` when asked (https pages).
 */
export function setCookie(name: string, value: string, days: number, domain: string, secure?: boolean): void {
  document.cookie =
    name + '=' + value + ';path=/;SameSite=Lax;max-age=' + ((days * 864e2) | 0) +
    (domain ? ';domain=' + domain : '') + (secure ? ';secure' : '');
}
