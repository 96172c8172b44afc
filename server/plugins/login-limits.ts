import { LRUCache } from 'lru-cache';

/** Failed sign-ins allowed per client IP and per email within the window; the next is refused (429). */
export const LOGIN_FAILURES_ALLOWED = 5;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

/**
 * Counts failed dashboard sign-ins per IP and per email, in memory (like the API's rate limits):
 * a guesser gets 5 tries per 15 minutes per address and per account, from any number of
 * addresses. Bounded, so a flood of made-up emails cannot grow it without end.
 */
export class LoginLimits {
  private readonly failures = new LRUCache<string, number[]>({ max: 50_000 });

  constructor(private readonly now: () => number) {}

  private recent(key: string): number[] {
    const since = this.now() - LOGIN_WINDOW_MS;
    return (this.failures.get(key) ?? []).filter((at) => at > since);
  }

  /** True when this IP or this email already failed 5 times in the window. */
  blocked(ip: string, email: string): boolean {
    return [`ip:${ip}`, `email:${email}`].some((key) => this.recent(key).length >= LOGIN_FAILURES_ALLOWED);
  }

  recordFailure(ip: string, email: string): void {
    for (const key of [`ip:${ip}`, `email:${email}`]) this.failures.set(key, [...this.recent(key), this.now()]);
  }

  /** A successful sign-in clears the account's failures (the address keeps its own). */
  recordSuccess(email: string): void {
    this.failures.delete(`email:${email}`);
  }
}
