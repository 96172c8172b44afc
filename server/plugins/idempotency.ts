import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request holds an Idempotency-Key whose answer it must store. */
    idempotency?: HeldKey;
  }
}

interface HeldKey {
  keyHash: string;
  bodyKey: Buffer;
  /** Lets requests in this process waiting on the same key go on; safe to call twice. */
  finish(): void;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const HEADER = 'idempotency-key';
export const REPLAY_HEADER = 'idempotent-replayed';
/** Stripe's limit. */
export const MAX_KEY_LENGTH = 255;
const PURGE_EVERY_MS = 60 * 60 * 1000;

export const idempotencyMessages = {
  invalidKey: `Idempotency-Key must be 1-${MAX_KEY_LENGTH} printable ASCII characters`,
  mismatch: 'Idempotency-Key was already used with a different request',
  inProgress: 'A request with this Idempotency-Key is still in progress; retry later',
};

const sha256 = (...parts: string[]) => createHash('sha256').update(parts.join('\0')).digest();

/**
 * Whose key it is: Stripe scopes keys per account, refrocket per credential (an API key or a
 * webhook secret), so one client cannot replay another's answers. Public routes share the
 * anonymous scope; there the key itself is the only secret.
 */
function credential(request: FastifyRequest): string {
  const header = (name: string) => {
    const value = request.headers[name];
    return typeof value === 'string' ? value : '';
  };
  const query = request.query as { apiKey?: unknown } | undefined;
  const body = request.body as { secret?: unknown } | undefined;
  return [
    header('x-api-key'),
    typeof query?.apiKey === 'string' ? query.apiKey : '',
    header('x-webhook-secret'),
    header('authorization'),
    typeof body?.secret === 'string' ? body.secret : '',
  ].join('\0');
}

/** Where a key is stored (its hash) and what encrypts its answer, for a credential and a key. */
export function idempotencyKeys(who: string, key: string) {
  return {
    keyHash: sha256('refrocket-idempotency-key', who, key).toString('hex'),
    bodyKey: sha256('refrocket-idempotency-body', who, key),
  };
}

/** The credential string of a request that sent only `x-api-key` (tests use it to find a key's row). */
export const apiKeyCredential = (apiKey: string) => [apiKey, '', '', '', ''].join('\0');

/** The same key must come with the same request: method, path and body. */
function fingerprint(request: FastifyRequest): string {
  const path = request.url.split('?')[0];
  return sha256(request.method, path, JSON.stringify(request.body ?? null)).toString('hex');
}

/**
 * Stored answers can hold emails or a new contest's webhook secret, so they are encrypted
 * (AES-256-GCM) with a key derived from the client's Idempotency-Key and credential, which are
 * never stored: the table alone reveals nothing.
 */
function seal(bodyKey: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', bodyKey, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
}

function open(bodyKey: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', bodyKey, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

interface StoredAnswer {
  contentType: string;
  body: string;
}

/**
 * `Idempotency-Key` on every write route (POST, PUT, PATCH, DELETE), with Stripe's semantics:
 * the first request with a key runs and its answer (status and body) is stored; a replay within
 * 24 h gets that answer without the work running again (header `Idempotent-Replayed: true`); the
 * same key with another method, path or body answers 409; while the first is running, requests
 * with its key wait for it in this process, and answer 409 (Retry-After: 1) in another collector.
 *
 * The key is claimed after validation (a 400 or 401 stores nothing, as at Stripe) and the answer
 * stored before it is sent. A 5xx or 429 frees the key instead: a failed write leaves no trace
 * (see store/write-queue.ts), so the retry must be able to run. Registered at the root, so every
 * route, including ones added later, gets it without doing anything.
 */
export const idempotencyPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('idempotency', undefined);
    const running = new Map<string, Promise<void>>();
    let lastPurge = app.collector.now();

    function purgeNowAndThen() {
      const now = app.collector.now();
      if (now - lastPurge < PURGE_EVERY_MS) return;
      lastPurge = now;
      app.writes.run('purgeIdempotencyKeys', {}).catch((error) => app.log.warn({ err: error }, 'purging idempotency keys failed'));
    }

    app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers[HEADER];
      if (key === undefined || !WRITE_METHODS.has(request.method)) return;
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
        throw new ApiError(400, idempotencyMessages.invalidKey);
      }
      purgeNowAndThen();
      const { keyHash, bodyKey } = idempotencyKeys(credential(request), key);
      // Requests in this process with the same key queue behind the one running.
      for (let ahead = running.get(keyHash); ahead; ahead = running.get(keyHash)) await ahead;
      let release!: () => void;
      running.set(keyHash, new Promise<void>((resolve) => (release = resolve)));
      const finish = () => {
        if (running.get(keyHash) === undefined) return;
        running.delete(keyHash);
        release();
      };
      let reservation;
      try {
        reservation = await app.writes.run('reserveIdempotencyKey', { keyHash, fingerprint: fingerprint(request) });
      } catch (error) {
        finish();
        throw error;
      }
      if (reservation.outcome === 'reserved') {
        request.idempotency = { keyHash, bodyKey, finish };
        return;
      }
      finish();
      if (reservation.outcome === 'mismatch') throw new ApiError(409, idempotencyMessages.mismatch);
      if (reservation.outcome === 'in_progress') {
        throw Object.assign(new ApiError(409, idempotencyMessages.inProgress), { retryAfterSeconds: 1 });
      }
      let answer: StoredAnswer;
      try {
        answer = JSON.parse(open(bodyKey, reservation.response)) as StoredAnswer;
      } catch {
        // Only the same key and credential derive the same fingerprint scope; a failure here
        // means a corrupted row: refuse rather than run the work a second time.
        throw new ApiError(409, idempotencyMessages.mismatch);
      }
      return reply.code(reservation.statusCode).header(REPLAY_HEADER, 'true').type(answer.contentType).send(answer.body);
    });

    app.addHook('onSend', async (request, reply, payload) => {
      const held = request.idempotency;
      if (!held) return payload;
      request.idempotency = undefined;
      try {
        const status = reply.statusCode;
        const body = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
        if (status >= 500 || status === 429 || body === undefined) {
          await app.writes.run('releaseIdempotencyKey', { keyHash: held.keyHash });
        } else {
          const answer: StoredAnswer = { contentType: String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8'), body };
          await app.writes.run('completeIdempotencyKey', {
            keyHash: held.keyHash,
            statusCode: status,
            response: seal(held.bodyKey, JSON.stringify(answer)),
          });
        }
      } finally {
        held.finish();
      }
      return payload;
    });

    // A request that ends without a response (the client went away first) must not block others.
    app.addHook('onResponse', async (request) => request.idempotency?.finish());
    app.addHook('onRequestAbort', async (request) => request.idempotency?.finish());
  },
  { name: 'refrocket-idempotency', dependencies: ['refrocket-services'] },
);
