import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, messages } from '../domain/errors.js';
import { findApiKey } from '../collector/api-keys.js';
import { checkWebhookSecret } from '../collector/contests.js';
import { presentedWebhookSecret } from '../routes/webhooks.js';
import { isSignedByStripe } from '../routes/stripe.js';

export interface RateLimitOptions {
  /** General limit: requests per minute per client IP. */
  perMinute: number;
  /** Anonymous entry creation (track-signup): this many per IP + contest per window. */
  signupsPerWindow?: number;
  signupWindowMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Throws a 429 when this anonymous signup exceeds the per IP + contest limit. */
    checkSignupLimit(request: FastifyRequest): Promise<void>;
  }
}

/**
 * A trusted backend sends many users' events from one IP: a request that carries a valid private
 * API key, or the contest's webhook secret, is exempt from per-IP limits.
 */
async function isTrustedBackend(app: FastifyInstance, request: FastifyRequest): Promise<boolean> {
  const key = request.headers['x-api-key'];
  if (typeof key === 'string' && (await findApiKey(app.collector, key))?.type === 'private') return true;
  // Stripe sends every shop's events from a few addresses: a valid Stripe-Signature is trusted too.
  if (await isSignedByStripe(app, request)) return true;
  // Webhooks name the contest in the path; referral endpoints in the body.
  const contestId =
    (request.params as { contestId?: unknown } | undefined)?.contestId ??
    (request.body as { contestId?: unknown } | undefined)?.contestId;
  const secret = presentedWebhookSecret(request);
  if (typeof contestId !== 'string' || !secret) return false;
  return (await checkWebhookSecret(app.collector, contestId, secret)) === 'ok';
}

const tooManyRequests = () => new ApiError(429, messages.rateLimited);

/**
 * Per-IP limits on the public /api routes (@fastify/rate-limit, in memory). Runs at preValidation
 * so the body is parsed: the signup limit keys on IP + contest, and the exemption can see a body
 * secret. Behind a reverse proxy the IP comes from X-Forwarded-For only with trustProxy.
 */
export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, options: RateLimitOptions) => {
    const allowList = (request: FastifyRequest) => isTrustedBackend(app, request);
    await app.register(rateLimit, {
      global: true,
      max: options.perMinute,
      timeWindow: 60_000,
      hook: 'preValidation',
      allowList,
      errorResponseBuilder: tooManyRequests,
    });
    const signupWindowMs = options.signupWindowMs ?? 15 * 60_000;
    const signupLimiter = app.createRateLimit({
      max: options.signupsPerWindow ?? 5,
      timeWindow: signupWindowMs,
      allowList,
      keyGenerator: (request) => `${request.ip}|${(request.body as { contestId?: unknown })?.contestId}`,
    });
    app.decorate('checkSignupLimit', async (request: FastifyRequest) => {
      const limit = await signupLimiter(request);
      if (!limit.isAllowed && limit.isExceeded) {
        const error = tooManyRequests();
        (error as ApiError & { retryAfterSeconds?: number }).retryAfterSeconds = Math.ceil(limit.ttl / 1000);
        throw error;
      }
    });
  },
  { name: 'refrocket-rate-limits', dependencies: ['refrocket-services'] },
);

/** Without limits (`--rate-limit off`), the signup check is a no-op. */
export const noRateLimitsPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('checkSignupLimit', async () => {});
  },
  { name: 'refrocket-rate-limits' },
);
