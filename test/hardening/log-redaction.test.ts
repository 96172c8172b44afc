import { describe, expect, it } from 'vitest';
import { captureLogs } from '../helpers/capture-logs.js';
import { buildApp } from '../../server/app.js';
import { createApiKey } from '../../server/collector/api-keys.js';
import { createContest } from '../../server/collector/contests.js';
import { loggerOptions, redactText, redactUrl } from '../../server/logging.js';
import { openTestStore } from '../helpers/test-app.js';


describe('logs never hold a key, a webhook secret or an email (issue 20, item 5)', () => {
  it('each reproduced leak, sent as a real request with a live private key, is absent from every log line', async () => {
    const { lines, stream } = captureLogs();
    const store = await openTestStore('sqlite');
    const app = buildApp({ logger: loggerOptions('info', stream), store, closeStore: true });
    await app.ready();
    const now = app.collector.now;
    const { key } = await store.transaction((tx) => createApiKey({ store: tx, now }, 'private'));
    const { key: publicKey } = await store.transaction((tx) => createApiKey({ store: tx, now }, 'public'));
    const { webhookSecret } = await store.transaction((tx) => createContest({ store: tx, now }, { id: 'c1', title: 'T' }));
    const leaks = {
      search: 'leak4@example.com',
      emailArray: 'leak5@example.com',
      pathEmail: 'leak6@example.com',
      pathEncoded: 'leak7@example.com',
      doubleEncoded: 'leak8@example.com',
      fragmentish: 'leak9@example.com',
    };
    const urls = [
      `/api/v1/contests/c1/entries?search=${leaks.search}`,
      `/api/v1/contests/c1/entries?search=${encodeURIComponent(leaks.search)}`,
      `/api/v1/entries/lookup/bonus-actions?contestId=c1&email%5B%5D=${encodeURIComponent(leaks.emailArray)}`,
      `/api/v1/contests?apiKey[]=${key}`,
      `/api/v1/contests?x=1;apiKey=${key}`,
      `/api/v1/contests?%20apiKey=${key}`,
      `/api/v1/contests?apiKey%00=${key}`,
      `/api/v1/contests?api_key=${encodeURIComponent(key)}`,
      `/api/v1/contests?k=${publicKey}`,
      `/api/webhooks/signup/c1?s=${webhookSecret}`,
      `/api/v1/entries/${leaks.pathEmail}`,
      `/api/v1/entries/${encodeURIComponent(leaks.pathEncoded)}`,
      `/api/v1/contests?q=${leaks.doubleEncoded.replace('@', '%2540')}`,
      `/api/v1/contests?note=${encodeURIComponent(`hello ${leaks.fragmentish}`)}`,
      `/api/v1/contests/${key}`,
    ];
    for (const url of urls) await app.inject({ method: 'GET', url, headers: { 'x-api-key': key } });
    await app.close();

    const log = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2 * urls.length);
    for (const secret of [key, publicKey, webhookSecret, key.slice(0, 16), ...Object.values(leaks), 'leak7%40', '%2540']) {
      expect(log, `${secret} in the log`).not.toContain(secret);
    }
    // The requests are still recognisable.
    expect(log).toContain('/api/v1/contests/c1/entries?search=[redacted]');
    expect(log).toContain('/api/v1/entries/[redacted]');
  });

  it('redactUrl: by value shape as well as by name, after decoding', () => {
    expect(redactUrl('/x?q=1&other=rr_sk_abc')).toBe('/x?q=1&other=[redacted]');
    expect(redactUrl('/x?q=whsec_abc')).toBe('/x?q=[redacted]');
    expect(redactUrl('/x?a=1;apiKey=abc;b=2')).toBe('/x?a=1;apiKey=[redacted];b=2');
    expect(redactUrl('/x?%20apiKey=abc&apiKey%00=def&apiKey[]=ghi')).toBe('/x?%20apiKey=[redacted]&apiKey%00=[redacted]&apiKey[]=[redacted]');
    expect(redactUrl('/x?rr_sk_abc')).toBe('/x?[redacted]');
    expect(redactUrl('/x/jane%40example.com/y?page=2')).toBe('/x/[redacted]/y?page=2');
    expect(redactUrl('/x?page=2#jane@example.com')).toBe('/x?page=2#[redacted]');
    expect(redactUrl('/x?page=%ZZ&m=jane%40example.com')).toBe('/x?page=%ZZ&m=[redacted]');
    expect(redactUrl('/api/referral/validate-code?code=REF-1&contestId=c1')).toBe('/api/referral/validate-code?code=REF-1&contestId=c1');
  });

  it('error text is redacted too: a database detail quoting an email or a key', () => {
    expect(redactText('Key (contest_id, email)=(c1, jane@example.com) already exists; key rr_sk_abcDEF1 used'))
      .toBe('Key (contest_id, email)=(c1, [redacted]) already exists; key [redacted] used');
  });
});
