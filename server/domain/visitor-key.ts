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

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
