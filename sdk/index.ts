/**
 * refrocket/sdk: a typed client for backends (Node 20+, no dependencies beyond Node's fetch).
 *
 * Request and response types come from the zod schemas the collector validates with
 * (server/routes/public-schemas.ts, server/routes/v1/schemas.ts), imported as types only: the
 * compiled SDK contains no zod and no server code. Adding a method for a new route is one line
 * here plus, where needed, one type alias from that route's schemas.
 */
import type { z } from 'zod';
import type * as p from '../server/routes/public-schemas.js';
import type * as s from '../server/routes/v1/schemas.js';

/** What a route accepts (before the server's defaults and transforms) and what it answers. */
type In<T extends z.ZodType> = z.input<T>;
type Out<T extends z.ZodType> = z.output<T>;
type Ok<T extends z.ZodType> = { success: true; data: Out<T> };

export type Contest = Out<typeof s.contestSchema>;
export type ContestDetail = Out<typeof s.contestDetailSchema>;
export type Entry = Out<typeof s.entrySchema>;
export type EntryDetail = Out<typeof s.entryDetailSchema>;
export type LeaderboardRow = Out<typeof s.leaderboardRowSchema>;
export type Analytics = Out<typeof s.analyticsSchema>;
export type DailyAnalytics = Out<typeof s.dailyPointSchema>;
export type DailyQuery = In<typeof s.dailyQuery>;
export type HubLink = Out<typeof s.hubLinkSchema>;
export type EntryBonusActions = Out<typeof s.entryBonusActionsSchema>;
export type CreateContestInput = In<typeof s.createContestBody>;
export type UpdateContestInput = In<typeof s.updateContestBody>;
export type CreateEntryInput = In<typeof s.createEntryBody>;
export type UpdateEntryInput = In<typeof s.updateEntryBody>;
export type RecordPurchaseInput = In<typeof s.recordPurchaseBody>;
export type AdjustPointsInput = In<typeof s.adjustPointsBody>;
export type PageQuery = In<typeof s.pageQuery>;
export type TrackVisitInput = In<typeof p.trackVisitBody>;
export type TrackSignupInput = In<typeof p.trackSignupBody>;
export type TrackPurchaseInput = In<typeof p.trackPurchaseBody>;
export type WebhookSignupInput = Omit<In<typeof p.webhookSignupBody>, 'secret'>;
export type WebhookPurchaseInput = Omit<In<typeof p.webhookPurchaseBody>, 'secret'>;
export type PurchaseResult = Out<typeof p.purchaseResponseSchema>;
export type WebhookRefundInput = Omit<In<typeof p.webhookRefundBody>, 'secret'>;
export type RefundResult = Out<typeof p.refundResponseSchema>;
export type RefundPurchaseInput = In<typeof s.purchaseRefundBody>;
export type PurchaseDetail = Out<typeof s.purchaseDetailSchema>;
export type WebhookEndpoint = Out<typeof s.webhookEndpointSchema>;
export type WebhookDelivery = Out<typeof s.webhookDeliverySchema>;
export type CreateWebhookEndpointInput = In<typeof s.createWebhookEndpointBody>;
export type UpdateWebhookEndpointInput = In<typeof s.updateWebhookEndpointBody>;
export type Flag = Out<typeof s.flagSchema>;
export type FlagQuery = In<typeof s.flagQuery>;
export type EntryLedger = Out<typeof s.entryLedgerSchema>;
export type ErasureReport = Out<typeof s.erasureReportSchema>;
export type EntryAttribution = Out<typeof s.entryAttributionSchema>;
export type PurchaseAttribution = Out<typeof s.purchaseAttributionSchema>;

export interface RefrocketOptions {
  /** The collector's URL, e.g. https://refs.example.com */
  baseUrl: string;
  /** A private key for /api/v1 writes (a public one reads). */
  apiKey?: string;
  /** A contest's webhook secret, for the inbound webhook methods. */
  webhookSecret?: string;
  /** Per attempt, in ms (default 10,000). */
  timeoutMs?: number;
  /** Retries after the first attempt on 429, 5xx, 409 "in progress" and network errors (default 3). */
  maxRetries?: number;
  /** First backoff in ms, doubled per retry with jitter (default 250). A Retry-After header wins. */
  retryDelayMs?: number;
  /** Longest wait between attempts, in ms (default 30,000). */
  maxRetryDelayMs?: number;
  /** Another fetch (tests, proxies); default: the global one. */
  fetch?: typeof fetch;
}

export interface CallOptions {
  /** For writes: the Idempotency-Key to send (default: a fresh UUID per call, the same on every retry). */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** The collector answered with an error status: `status` and the server's `message`. */
export class RefrocketError extends Error {
  override name = 'RefrocketError';
  constructor(
    readonly status: number,
    message: string,
    /** The parsed error body, e.g. `{ success: false, error, requestId }`. */
    readonly body: unknown,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

/** No answer: the connection failed or the attempt timed out (after the retries). */
export class RefrocketNetworkError extends Error {
  override name = 'RefrocketNetworkError';
  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
type Auth = 'apiKey' | 'webhookSecret' | 'none';
interface Request {
  method: Method;
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
  auth: Auth;
}

const enc = encodeURIComponent;

export class Refrocket {
  private readonly baseUrl: string;
  private readonly options: Required<Pick<RefrocketOptions, 'timeoutMs' | 'maxRetries' | 'retryDelayMs' | 'maxRetryDelayMs'>> & RefrocketOptions;

  constructor(options: RefrocketOptions) {
    if (!options?.baseUrl) throw new TypeError('Refrocket: baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.options = { timeoutMs: 10_000, maxRetries: 3, retryDelayMs: 250, maxRetryDelayMs: 30_000, ...options };
  }

  // Referral tracking (public, no key): what the browser script calls, callable from a backend.
  validateCode(query: In<typeof p.validateCodeQuery>, o?: CallOptions) {
    return this.call<Out<typeof p.validateCodeResponse>>({ method: 'GET', path: '/api/referral/validate-code', query, auth: 'none' }, o);
  }
  trackVisit(body: TrackVisitInput, o?: CallOptions) {
    return this.call<Out<typeof p.trackVisitResponse>>({ method: 'POST', path: '/api/referral/track-visit', body, auth: 'none' }, o);
  }
  trackSignup(body: TrackSignupInput, o?: CallOptions) {
    return this.call<Out<typeof p.trackSignupResponse>>({ method: 'POST', path: '/api/referral/track-signup', body, auth: 'none' }, o);
  }
  trackPurchase(body: TrackPurchaseInput, o?: CallOptions) {
    return this.call<Out<typeof p.trackPurchaseResponse>>({ method: 'POST', path: '/api/referral/track-purchase', body, auth: 'none' }, o);
  }

  // Inbound webhooks, authenticated by the contest's webhook secret (sent as x-webhook-secret).
  webhookSignup(contestId: string, body: WebhookSignupInput, o?: CallOptions) {
    return this.call<Out<typeof p.webhookSignupResponse>>({ method: 'POST', path: `/api/webhooks/signup/${enc(contestId)}`, body, auth: 'webhookSecret' }, o);
  }
  webhookPurchase(contestId: string, body: WebhookPurchaseInput, o?: CallOptions) {
    return this.call<PurchaseResult>({ method: 'POST', path: `/api/webhooks/purchase/${enc(contestId)}`, body, auth: 'webhookSecret' }, o);
  }
  webhookRefund(contestId: string, body: WebhookRefundInput, o?: CallOptions) {
    return this.call<RefundResult>({ method: 'POST', path: `/api/webhooks/refund/${enc(contestId)}`, body, auth: 'webhookSecret' }, o);
  }

  // REST API v1 (x-api-key).
  listContests(o?: CallOptions) {
    return this.call<Ok<z.ZodArray<typeof s.contestSchema>>>({ method: 'GET', path: '/api/v1/contests', auth: 'apiKey' }, o);
  }
  createContest(body: CreateContestInput, o?: CallOptions) {
    return this.call<{ success: true; data: ContestDetail & { webhookSecret: string } }>({ method: 'POST', path: '/api/v1/contests', body, auth: 'apiKey' }, o);
  }
  getContest(contestId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.contestDetailSchema>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}`, auth: 'apiKey' }, o);
  }
  updateContest(contestId: string, body: UpdateContestInput, o?: CallOptions) {
    return this.call<Ok<typeof s.contestDetailSchema>>({ method: 'PUT', path: `/api/v1/contests/${enc(contestId)}`, body, auth: 'apiKey' }, o);
  }
  listEntries(contestId: string, query: PageQuery = {}, o?: CallOptions) {
    return this.call<Out<typeof s.entryListResponse>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}/entries`, query, auth: 'apiKey' }, o);
  }
  createEntry(contestId: string, body: CreateEntryInput, o?: CallOptions) {
    return this.call<Ok<typeof s.createdEntrySchema>>({ method: 'POST', path: `/api/v1/contests/${enc(contestId)}/entries`, body, auth: 'apiKey' }, o);
  }
  leaderboard(contestId: string, query: In<typeof s.leaderboardQuery> = {}, o?: CallOptions) {
    return this.call<Ok<z.ZodArray<typeof s.leaderboardRowSchema>>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}/leaderboard`, query, auth: 'apiKey' }, o);
  }
  analytics(contestId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.analyticsSchema>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}/analytics`, auth: 'apiKey' }, o);
  }
  dailyAnalytics(contestId: string, query: DailyQuery = {}, o?: CallOptions) {
    return this.call<Ok<z.ZodArray<typeof s.dailyPointSchema>>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}/analytics/daily`, query, auth: 'apiKey' }, o);
  }
  recordPurchase(contestId: string, body: RecordPurchaseInput, o?: CallOptions) {
    return this.call<PurchaseResult>({ method: 'POST', path: `/api/v1/contests/${enc(contestId)}/purchases`, body, auth: 'apiKey' }, o);
  }
  getEntry(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.entryDetailSchema>>({ method: 'GET', path: `/api/v1/entries/${enc(entryId)}`, auth: 'apiKey' }, o);
  }
  updateEntry(entryId: string, body: UpdateEntryInput, o?: CallOptions) {
    return this.call<Ok<typeof s.entryDetailSchema>>({ method: 'PUT', path: `/api/v1/entries/${enc(entryId)}`, body, auth: 'apiKey' }, o);
  }
  eraseEntry(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.entryDetailSchema>>({ method: 'DELETE', path: `/api/v1/entries/${enc(entryId)}`, auth: 'apiKey' }, o);
  }
  /** A new link to the participant's private page (each call makes a new token). */
  hubLink(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.hubLinkSchema>>({ method: 'GET', path: `/api/v1/entries/${enc(entryId)}/hub-link`, auth: 'apiKey' }, o);
  }
  revokeHubLinks(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.hubLinksRevokedSchema>>({ method: 'DELETE', path: `/api/v1/entries/${enc(entryId)}/hub-link`, auth: 'apiKey' }, o);
  }
  disqualifyEntry(entryId: string, body: In<typeof s.disqualifyBody> = {}, o?: CallOptions) {
    return this.call<Ok<typeof s.entryDetailSchema>>({ method: 'POST', path: `/api/v1/entries/${enc(entryId)}/disqualify`, body, auth: 'apiKey' }, o);
  }
  adjustPoints(entryId: string, body: AdjustPointsInput, o?: CallOptions) {
    return this.call<Ok<typeof s.pointsAdjustmentSchema>>({ method: 'POST', path: `/api/v1/entries/${enc(entryId)}/points`, body, auth: 'apiKey' }, o);
  }
  entryBonusActions(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.entryBonusActionsSchema>>({ method: 'GET', path: `/api/v1/entries/${enc(entryId)}/bonus-actions`, auth: 'apiKey' }, o);
  }
  lookupBonusActions(query: In<typeof s.bonusActionLookupQuery>, o?: CallOptions) {
    return this.call<Ok<typeof s.entryBonusActionsSchema>>({ method: 'GET', path: '/api/v1/entries/lookup/bonus-actions', query, auth: 'apiKey' }, o);
  }
  completeBonusAction(entryId: string, bonusActionId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.bonusActionCompletionSchema>>({
      method: 'POST',
      path: `/api/v1/entries/${enc(entryId)}/bonus-actions/${enc(bonusActionId)}/complete`,
      auth: 'apiKey',
    }, o);
  }

  // Outbound webhook endpoints and their deliveries.
  createWebhookEndpoint(body: CreateWebhookEndpointInput, o?: CallOptions) {
    return this.call<Ok<typeof s.createdWebhookEndpointSchema>>({ method: 'POST', path: '/api/v1/webhook-endpoints', body, auth: 'apiKey' }, o);
  }
  listWebhookEndpoints(o?: CallOptions) {
    return this.call<Ok<z.ZodArray<typeof s.webhookEndpointSchema>>>({ method: 'GET', path: '/api/v1/webhook-endpoints', auth: 'apiKey' }, o);
  }
  getWebhookEndpoint(endpointId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.webhookEndpointSchema>>({ method: 'GET', path: `/api/v1/webhook-endpoints/${enc(endpointId)}`, auth: 'apiKey' }, o);
  }
  updateWebhookEndpoint(endpointId: string, body: UpdateWebhookEndpointInput, o?: CallOptions) {
    return this.call<Ok<typeof s.webhookEndpointSchema>>({ method: 'PUT', path: `/api/v1/webhook-endpoints/${enc(endpointId)}`, body, auth: 'apiKey' }, o);
  }
  deleteWebhookEndpoint(endpointId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.webhookEndpointDeletedSchema>>({ method: 'DELETE', path: `/api/v1/webhook-endpoints/${enc(endpointId)}`, auth: 'apiKey' }, o);
  }
  listWebhookDeliveries(endpointId: string, query: In<typeof s.webhookDeliveriesQuery> = {}, o?: CallOptions) {
    return this.call<Ok<z.ZodArray<typeof s.webhookDeliverySchema>>>({
      method: 'GET',
      path: `/api/v1/webhook-endpoints/${enc(endpointId)}/deliveries`,
      query,
      auth: 'apiKey',
    }, o);
  }
  retryWebhookDelivery(endpointId: string, deliveryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.webhookDeliveryQueuedSchema>>({
      method: 'POST',
      path: `/api/v1/webhook-endpoints/${enc(endpointId)}/deliveries/${enc(deliveryId)}/retry`,
      auth: 'apiKey',
    }, o);
  }

  // Purchases by id: read, refund, explain.
  getPurchase(purchaseId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.purchaseDetailSchema>>({ method: 'GET', path: `/api/v1/purchases/${enc(purchaseId)}`, auth: 'apiKey' }, o);
  }
  refundPurchase(purchaseId: string, body: RefundPurchaseInput = {}, o?: CallOptions) {
    return this.call<RefundResult>({ method: 'POST', path: `/api/v1/purchases/${enc(purchaseId)}/refund`, body, auth: 'apiKey' }, o);
  }
  purchaseAttribution(purchaseId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.purchaseAttributionSchema>>({ method: 'GET', path: `/api/v1/purchases/${enc(purchaseId)}/attribution`, auth: 'apiKey' }, o);
  }
  entryAttribution(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.entryAttributionSchema>>({ method: 'GET', path: `/api/v1/entries/${enc(entryId)}/attribution`, auth: 'apiKey' }, o);
  }

  // Fraud review.
  listFlags(contestId: string, query: FlagQuery = {}, o?: CallOptions) {
    return this.call<Out<typeof s.flagListResponse>>({ method: 'GET', path: `/api/v1/contests/${enc(contestId)}/flags`, query, auth: 'apiKey' }, o);
  }
  approveFlag(flagId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.flagSchema>>({ method: 'POST', path: `/api/v1/flags/${enc(flagId)}/approve`, auth: 'apiKey' }, o);
  }
  rejectFlag(flagId: string, body: In<typeof s.rejectFlagBody>, o?: CallOptions) {
    return this.call<Ok<typeof s.flagSchema>>({ method: 'POST', path: `/api/v1/flags/${enc(flagId)}/reject`, body, auth: 'apiKey' }, o);
  }
  entryLedger(entryId: string, o?: CallOptions) {
    return this.call<Ok<typeof s.entryLedgerSchema>>({ method: 'GET', path: `/api/v1/entries/${enc(entryId)}/ledger`, auth: 'apiKey' }, o);
  }

  /** Erase a person, by email, from every contest (a data-subject request); answers what was erased. */
  erasePerson(body: In<typeof s.erasureBody>, o?: CallOptions) {
    return this.call<Ok<typeof s.erasureReportSchema>>({ method: 'POST', path: '/api/v1/erasure', body, auth: 'apiKey' }, o);
  }

  /**
   * One request with retries. Writes carry an Idempotency-Key, the same on every attempt, so a
   * retried write is done once by the collector even when the first attempt's answer was lost.
   */
  protected async call<T>(request: Request, callOptions: CallOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    // Also on the public referral routes: a private key marks a trusted backend, exempt from the
    // per-IP rate limits that would otherwise treat all its users as one visitor.
    if (request.auth !== 'webhookSecret' && this.options.apiKey) headers['x-api-key'] = this.options.apiKey;
    if (request.auth === 'webhookSecret' && this.options.webhookSecret) headers['x-webhook-secret'] = this.options.webhookSecret;
    if (request.method !== 'GET') headers['idempotency-key'] = callOptions.idempotencyKey ?? globalThis.crypto.randomUUID();
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    const doFetch = this.options.fetch ?? globalThis.fetch;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.options.maxRetries;
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const signal = callOptions.signal ? AbortSignal.any([callOptions.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await doFetch(url, { method: request.method, headers, body, signal });
      } catch (error) {
        if (callOptions.signal?.aborted) throw error;
        const timedOut = timeout.aborted;
        if (retriesLeft) {
          await wait(this.backoff(attempt, null));
          continue;
        }
        const what = timedOut ? `timed out after ${this.options.timeoutMs} ms` : `failed: ${(error as Error)?.message ?? error}`;
        throw new RefrocketNetworkError(`${request.method} ${request.path} ${what}`, timedOut, { cause: error });
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (response.ok) return parsed as T;
      if (retriesLeft && isRetryable(response)) {
        await wait(this.backoff(attempt, response.headers.get('retry-after')));
        continue;
      }
      const error = parsed as { error?: unknown; requestId?: unknown } | undefined;
      const message = typeof error?.error === 'string' ? error.error : `HTTP ${response.status}`;
      throw new RefrocketError(response.status, message, parsed ?? text, typeof error?.requestId === 'string' ? error.requestId : undefined);
    }
  }

  /** Retry-After (seconds or an HTTP date) when the server sent one, else exponential backoff with full jitter. */
  private backoff(attempt: number, retryAfter: string | null): number {
    const { retryDelayMs, maxRetryDelayMs } = this.options;
    if (retryAfter !== null) {
      const seconds = Number(retryAfter);
      const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
      if (Number.isFinite(ms)) return Math.min(Math.max(ms, 0), maxRetryDelayMs);
    }
    return Math.min(retryDelayMs * 2 ** attempt * (0.5 + Math.random() / 2), maxRetryDelayMs);
  }
}

/** 429 and 5xx; a 409 with Retry-After is an Idempotency-Key still in progress at another collector. */
function isRetryable(response: Response): boolean {
  return response.status === 429 || response.status >= 500 || (response.status === 409 && response.headers.has('retry-after'));
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
