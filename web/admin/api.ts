/**
 * The dashboard's only way to the collector: the same JSON API a script would call (/api/v1,
 * authorised by the session cookie) plus /admin/api for what only operators do. Same-origin
 * fetches send the SameSite=Strict cookie and an Origin header, which the collector checks.
 */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await res.json().catch(() => ({ success: false, error: res.statusText }));
  if (!res.ok || payload.success === false) throw new ApiFailure(res.status, payload.error ?? res.statusText);
  return payload as T;
}

/** A share of a whole that contains it (a subset): never above 100%. */
export function shareOf(part: number, whole: number): string {
  if (whole <= 0) return '—';
  return `${(Math.min(part, whole) / whole * 100).toFixed(1)}%`;
}
