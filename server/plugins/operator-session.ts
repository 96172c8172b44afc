import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { checkSession } from '../collector/operators.js';
import { ApiError, forbidden } from '../domain/errors.js';
import { readCookie } from '../http/cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in dashboard operator, when the request came with a live session cookie. */
    operator?: { id: string; email: string };
  }
}

/** The dashboard's session cookie: HttpOnly, SameSite=Strict, Secure on https. */
export const SESSION_COOKIE = 'rr_admin';
const SESSION_MAX_AGE_S = 12 * 60 * 60;

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function sessionCookie(request: FastifyRequest, token: string | null): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  const value = token === null ? '=; Max-Age=0' : `=${token}; Max-Age=${SESSION_MAX_AGE_S}`;
  return `${SESSION_COOKIE}${value}; Path=/; HttpOnly; SameSite=Strict${secure}`;
}

export const sessionToken = (request: FastifyRequest) => readCookie(request.headers.cookie, SESSION_COOKIE);

/**
 * Cross-site writes are refused twice over: the cookie is SameSite=Strict (browsers do not send it
 * from another site), and an unsafe method must come from this origin — its Origin header, or
 * when a browser sends none, Sec-Fetch-Site: same-origin.
 */
export function refuseCrossSite(request: FastifyRequest): void {
  if (!UNSAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  const own = `${request.protocol}://${request.host}`;
  if (origin ? origin === own : request.headers['sec-fetch-site'] === 'same-origin') return;
  throw forbidden('Cross-site request refused');
}

/**
 * Signs the request's operator in from the session cookie: undefined when there is none or it is
 * not live (unknown, logged out, idle for 12 h). A live session's last-seen time moves on.
 */
export async function operatorFromSession(app: FastifyInstance, request: FastifyRequest) {
  const token = sessionToken(request);
  if (!token) return undefined;
  const check = await checkSession(app.collector, token);
  if (!check.ok) return undefined;
  if (check.touch) await app.writes.run('touchSession', { token });
  return check.operator;
}

/** Routes that need a signed-in operator (the dashboard's own API): 401 without, 403 cross-site. */
export const requireOperatorPlugin = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRequest', async (request) => {
      const operator = await operatorFromSession(app, request);
      if (!operator) throw new ApiError(401, 'Sign in required');
      refuseCrossSite(request);
      request.operator = operator;
    });
    addAuditHook(app);
  },
  { name: 'refrocket-require-operator', dependencies: ['refrocket-services'] },
);

/**
 * Every successful write an operator makes is recorded in the audit log before its answer is
 * sent: which operator, which route, which contest or entry, and the reason or figures given.
 */
export function addAuditHook(app: FastifyInstance): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload) => {
    if (!request.operator || !UNSAFE_METHODS.has(request.method) || reply.statusCode >= 300) return payload;
    const params = (request.params ?? {}) as Record<string, string | undefined>;
    await app.writes.run('recordAudit', {
      operatorEmail: request.operator.email,
      action: `${request.method} ${request.routeOptions.url}`,
      contestId: params.contestId ?? null,
      entryId: params.entryId ?? null,
      detail: auditDetail(request.body),
    });
    return payload;
  });
}

/** What a write was told, for the audit log: reasons and figures, never secrets or contacts. */
function auditDetail(body: unknown): string | null {
  if (!body || typeof body !== 'object') return null;
  const kept = Object.fromEntries(
    Object.entries(body as Record<string, unknown>).filter(([key]) => !['email', 'phone', 'password', 'name'].includes(key)),
  );
  const text = JSON.stringify(kept);
  return text === '{}' ? null : text.slice(0, 500);
}
