import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError, messages } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A read whose cost grows with the contest (entry lists and searches): concurrency-capped. */
    heavyRead?: boolean;
  }
}

export interface HeavyReadOptions {
  /** Concurrent heavy reads allowed per API key and, separately, per client IP. */
  perClient: number;
}

/**
 * Caps concurrent heavy reads per API key and per client IP: beyond the cap, 429 at once instead
 * of a queue. One client hammering searches then holds at most `perClient` of the database's
 * (or, on SQLite, the main thread's) time, and everyone else's requests go on being served.
 * A request's slot is given back when its connection's response ends, however it ends.
 */
export const heavyReadsPlugin = fp(
  async (app: FastifyInstance, options: HeavyReadOptions) => {
    const inFlight = new Map<string, number>();
    const release = (keys: string[]) => {
      for (const key of keys) {
        const left = (inFlight.get(key) ?? 1) - 1;
        if (left <= 0) inFlight.delete(key);
        else inFlight.set(key, left);
      }
    };
    app.addHook('preHandler', async (request: FastifyRequest, reply) => {
      if (!request.routeOptions.config.heavyRead) return;
      const keys = [`ip:${request.ip}`, ...(request.apiKeyId ? [`key:${request.apiKeyId}`] : [])];
      if (keys.some((key) => (inFlight.get(key) ?? 0) >= options.perClient)) {
        const error = new ApiError(429, messages.rateLimited);
        (error as ApiError & { retryAfterSeconds?: number }).retryAfterSeconds = 1;
        throw error;
      }
      for (const key of keys) inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      let released = false;
      const done = () => {
        if (!released) release(keys);
        released = true;
      };
      reply.raw.once('finish', done);
      reply.raw.once('close', done);
    });
  },
  { name: 'refrocket-heavy-reads' },
);
