import { createHash } from 'node:crypto';

/**
 * A visitor key that counts unique visitors without storing who they are: a hash of the day's
 * random salt, the contest, the IP and the user agent. The salt changes every UTC day and old
 * salts are deleted, so a key can't be traced back to an IP or linked across days.
 */
export function visitorKey(salt: string, contestId: string, ip: string, userAgent: string): string {
  return createHash('sha256')
    .update(`${salt}\0${contestId}\0${ip}\0${userAgent}`)
    .digest('hex')
    .slice(0, 32);
}

const DAY_MS = 86_400_000;
let lastDay = { number: NaN, text: '' };

/** `2026-01-15` for a time: asked on every visit, so the last answer is remembered. */
export function utcDay(ms: number): string {
  const number = Math.floor(ms / DAY_MS);
  if (number !== lastDay.number) lastDay = { number, text: new Date(number * DAY_MS).toISOString().slice(0, 10) };
  return lastDay.text;
}
