import { describe, expect, it } from 'vitest';
import { forEachEngine, useTestApp } from '../helpers/test-app.js';

/**
 * Hostile input battery: each case must answer 4xx with a message that names the field (or the
 * body), and leave the database exactly as it was.
 */
type Case = {
  label: string;
  url: string;
  method?: 'POST' | 'PUT';
  /** A raw payload string, or a value to JSON-encode. */
  body: unknown;
  contentType?: string;
  status?: number;
  /** The field the message must start with. */
  field: string;
  auth?: 'private' | 'webhook';
};

const SIGNUP = '/api/referral/track-signup';
const PURCHASE = '/api/referral/track-purchase';
const VISIT = '/api/referral/track-visit';
const signup = { email: 'f@example.com', contestId: 'c1', referralCode: 'REF-XYZ789' };
const purchase = { email: 'b@example.com', contestId: 'c1', orderId: 'o-1', amount: 10, currency: 'USD' };
const visit = { contestId: 'c1', referralCode: 'REF-XYZ789' };
const MB = 'x'.repeat(1024 * 1024);

const cases: Case[] = [
  // wrong types
  { label: 'email: number', url: SIGNUP, body: { ...signup, email: 42 }, field: 'email' },
  { label: 'email: boolean', url: SIGNUP, body: { ...signup, email: true }, field: 'email' },
  { label: 'email: null', url: SIGNUP, body: { ...signup, email: null }, field: 'email' },
  { label: 'email: array', url: SIGNUP, body: { ...signup, email: ['a@b.co'] }, field: 'email' },
  { label: 'email: object', url: SIGNUP, body: { ...signup, email: { $gt: '' } }, field: 'email' },
  { label: 'contestId: array', url: SIGNUP, body: { ...signup, contestId: ['c1'] }, field: 'contestId' },
  { label: 'contestId: null', url: VISIT, body: { ...visit, contestId: null }, field: 'contestId' },
  { label: 'referralCode: number', url: VISIT, body: { ...visit, referralCode: 789 }, field: 'referralCode' },
  { label: 'referralCode: object', url: VISIT, body: { ...visit, referralCode: { toString: 'x' } }, field: 'referralCode' },
  { label: 'url: number', url: VISIT, body: { ...visit, url: 5 }, field: 'url' },
  { label: 'name: array', url: SIGNUP, body: { ...signup, name: ['a', 'b'] }, field: 'name' },
  { label: 'orderId: number', url: PURCHASE, body: { ...purchase, orderId: 12345 }, field: 'orderId' },
  { label: 'orderId: null', url: PURCHASE, body: { ...purchase, orderId: null }, field: 'orderId' },
  { label: 'amount: string', url: PURCHASE, body: { ...purchase, amount: '10' }, field: 'amount' },
  { label: 'amount: array', url: PURCHASE, body: { ...purchase, amount: [10] }, field: 'amount' },
  { label: 'amount: boolean', url: PURCHASE, body: { ...purchase, amount: true }, field: 'amount' },
  { label: 'currency: number', url: PURCHASE, body: { ...purchase, currency: 840 }, field: 'currency' },
  // numbers
  { label: 'amount: negative', url: PURCHASE, body: { ...purchase, amount: -1 }, field: 'amount' },
  { label: 'amount: zero', url: PURCHASE, body: { ...purchase, amount: 0 }, field: 'amount' },
  { label: 'amount: -0', url: PURCHASE, body: '{"email":"b@example.com","contestId":"c1","orderId":"o","amount":-0}', field: 'amount' },
  { label: 'amount: NaN literal', url: PURCHASE, body: '{"email":"b@example.com","contestId":"c1","orderId":"o","amount":NaN}', field: 'body' },
  { label: 'amount: Infinity literal', url: PURCHASE, body: '{"email":"b@example.com","contestId":"c1","orderId":"o","amount":Infinity}', field: 'body' },
  { label: 'amount: 1e999 (parses to Infinity)', url: PURCHASE, body: '{"email":"b@example.com","contestId":"c1","orderId":"o","amount":1e999}', field: 'amount' },
  { label: 'amount: huge', url: PURCHASE, body: { ...purchase, amount: 1e300 }, field: 'amount' },
  { label: 'amount: tiny negative', url: PURCHASE, body: { ...purchase, amount: -1e-300 }, field: 'amount' },
  { label: 'amount: below one cent', url: PURCHASE, body: { ...purchase, amount: 0.001 }, field: 'amount' },
  { label: 'amount: below one yen', url: PURCHASE, body: { ...purchase, amount: 0.4, currency: 'JPY' }, field: 'amount' },
  // currencies
  { label: 'currency: unknown code', url: PURCHASE, body: { ...purchase, currency: 'ABC' }, field: 'currency' },
  { label: 'currency: too long', url: PURCHASE, body: { ...purchase, currency: 'USDOLLAR' }, field: 'currency' },
  { label: 'currency: empty', url: PURCHASE, body: { ...purchase, currency: '' }, field: 'currency' },
  { label: 'currency: SQL', url: PURCHASE, body: { ...purchase, currency: "USD'; DROP TABLE purchases;--" }, field: 'currency' },
  // emails
  { label: 'email: missing @', url: SIGNUP, body: { ...signup, email: 'jane.example.com' }, field: 'email' },
  { label: 'email: two @', url: SIGNUP, body: { ...signup, email: 'a@@example.com' }, field: 'email' },
  { label: 'email: spaces inside', url: SIGNUP, body: { ...signup, email: 'a b@example.com' }, field: 'email' },
  { label: 'email: no domain', url: SIGNUP, body: { ...signup, email: 'jane@' }, field: 'email' },
  { label: 'email: SQL', url: SIGNUP, body: { ...signup, email: "' OR 1=1 --@x.com" }, field: 'email' },
  { label: 'email: control characters', url: SIGNUP, body: { ...signup, email: 'a\u0000b@example.com' }, field: 'email' },
  { label: 'email: newline header injection', url: SIGNUP, body: { ...signup, email: 'a@example.com\nBcc: x@evil.com' }, field: 'email' },
  { label: 'email: emoji', url: SIGNUP, body: { ...signup, email: '😀@example.com' }, field: 'email' },
  { label: 'email: 300 characters', url: SIGNUP, body: { ...signup, email: `${'a'.repeat(290)}@example.com` }, field: 'email' },
  // sizes
  { label: 'name: 1 MB string', url: SIGNUP, body: { ...signup, name: MB }, status: 413, field: 'body' },
  { label: 'url: 1 MB string', url: VISIT, body: { ...visit, url: MB }, status: 413, field: 'body' },
  { label: 'orderId: 10 kB string', url: PURCHASE, body: { ...purchase, orderId: 'o'.repeat(10_000) }, field: 'orderId' },
  { label: 'contestId: 65 characters', url: VISIT, body: { ...visit, contestId: 'c'.repeat(65) }, field: 'contestId' },
  { label: 'referralCode: 5 kB of emoji', url: VISIT, body: { ...visit, referralCode: '🚀'.repeat(2500) }, field: 'referralCode' },
  { label: 'name: 201 characters of unicode', url: SIGNUP, body: { ...signup, name: 'é'.repeat(201) }, field: 'name' },
  // empties
  { label: 'contestId: only spaces', url: SIGNUP, body: { ...signup, contestId: '   ' }, field: 'contestId' },
  { label: 'referralCode: empty', url: SIGNUP, body: { ...signup, referralCode: '' }, field: 'referralCode' },
  { label: 'orderId: empty', url: PURCHASE, body: { ...purchase, orderId: '' }, field: 'orderId' },
  { label: 'empty object', url: PURCHASE, body: {}, field: 'email' },
  // wrong shapes of the whole body
  { label: 'body: JSON null', url: SIGNUP, body: 'null', field: 'body' },
  { label: 'body: JSON string', url: SIGNUP, body: '"hello"', field: 'body' },
  { label: 'body: JSON number', url: SIGNUP, body: '42', field: 'body' },
  { label: 'body: JSON array', url: SIGNUP, body: '[]', field: 'body' },
  { label: 'body: empty', url: SIGNUP, body: '', field: 'body' },
  { label: 'body: truncated JSON', url: SIGNUP, body: '{"email":', field: 'body' },
  { label: 'body: trailing garbage', url: SIGNUP, body: '{"email":"a@b.co"} xyz', field: 'body' },
  { label: 'body: single quotes', url: SIGNUP, body: "{'email':'a@b.co'}", field: 'body' },
  { label: 'body: BOM + comment', url: SIGNUP, body: '\uFEFF/* hi */{}', field: 'body' },
  // prototype pollution
  { label: '__proto__ key', url: SIGNUP, body: '{"__proto__":{"isAdmin":true},"email":"a@b.co","contestId":"c1","referralCode":"REF-XYZ789"}', field: 'body' },
  { label: 'constructor.prototype key', url: SIGNUP, body: '{"constructor":{"prototype":{"x":1}},"email":"a@b.co","contestId":"c1","referralCode":"REF-XYZ789"}', field: 'body' },
  { label: 'nested __proto__', url: PURCHASE, body: '{"email":"b@example.com","contestId":"c1","orderId":"o","amount":1,"x":{"__proto__":{"y":1}}}', field: 'body' },
  // content types
  { label: 'content-type: form-urlencoded', url: SIGNUP, body: 'email=a%40b.co&contestId=c1', contentType: 'application/x-www-form-urlencoded', status: 415, field: 'Content-Type' },
  { label: 'content-type: xml', url: SIGNUP, body: '<signup/>', contentType: 'application/xml', status: 415, field: 'Content-Type' },
  { label: 'content-type: multipart', url: SIGNUP, body: '--x\r\n\r\n--x--', contentType: 'multipart/form-data; boundary=x', status: 415, field: 'Content-Type' },
  { label: 'text/plain that is not JSON', url: SIGNUP, body: 'hello world', contentType: 'text/plain', field: 'body' },
  // webhooks and v1 (authenticated, still hostile)
  { label: 'webhook purchase: amount object', url: '/api/webhooks/purchase/c1', body: { email: 'b@example.com', orderId: 'o', amount: { value: 1 } }, field: 'amount', auth: 'webhook' },
  { label: 'v1 points: float', url: '/api/v1/entries/ENTRY/points', body: { points: 0.5, reason: 'x' }, field: 'points', auth: 'private' },
  { label: 'v1 points: 1e12', url: '/api/v1/entries/ENTRY/points', body: { points: 1e12, reason: 'x' }, field: 'points', auth: 'private' },
  { label: 'v1 update: emailConfirmed as string', url: '/api/v1/entries/ENTRY', method: 'PUT', body: { emailConfirmed: 'yes' }, field: 'emailConfirmed', auth: 'private' },
  { label: 'v1 contest: settings as array', url: '/api/v1/contests', body: { title: 'x', settings: [] }, field: 'settings', auth: 'private' },
];

describe(`hostile input battery (${cases.length} cases)`, () => forEachEngine((engine) => {
  const t = useTestApp({ engine });

  it('has at least 50 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
  });

  for (const c of cases) {
    it(`${c.label} → ${c.status ?? 400} naming ${c.field}`, async () => {
      const contest = await t().contest({ id: 'c1' });
      const jane = await t().entry('c1', { email: 'jane@example.com', referralCode: 'REF-XYZ789' });
      const headers: Record<string, string> = { 'content-type': c.contentType ?? 'application/json' };
      if (c.auth === 'private') headers['x-api-key'] = await t().apiKey('private');
      if (c.auth === 'webhook') headers['x-webhook-secret'] = contest.webhookSecret;
      const before = await t().counts();
      const snapshot = await t().rows('entries');
      const res = await t().app.inject({
        method: c.method ?? 'POST',
        url: c.url.replace('ENTRY', jane.id),
        headers,
        payload: typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
      });
      expect(res.statusCode).toBe(c.status ?? 400);
      const body = res.json();
      expect(body.success).toBe(false);
      expect(body.error.startsWith(`${c.field} `), `message "${body.error}" should name ${c.field}`).toBe(true);
      expect(await t().counts()).toEqual(before);
      expect(await t().rows('entries')).toEqual(snapshot);
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    });
  }
}));
