import { afterEach, describe, expect, it, vi } from 'vitest';
import { send } from '../../client/transport.js';

const url = 'https://collector.example/api/referral/track-visit';
const body = { referralCode: 'REF-XYZ789', contestId: 'c1' };

afterEach(() => vi.unstubAllGlobals());

describe('send', () => {
  it('POSTs a text/plain JSON string with keepalive (no custom headers: no CORS preflight)', async () => {
    const fetch = vi.fn(async () => new Response('{"success":true}'));
    vi.stubGlobal('fetch', fetch);
    await expect(send(url, body)).resolves.toEqual({ success: true });
    expect(fetch).toHaveBeenCalledWith(url, { method: 'POST', body: JSON.stringify(body), keepalive: true });
    // A string body is sent as text/plain;charset=UTF-8, a CORS-safelisted type.
    const init = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(new Request(url, init[1]).headers.get('content-type')).toBe('text/plain;charset=UTF-8');
  });

  it("resolves with the collector's error answer as is", async () => {
    vi.stubGlobal('fetch', async () => new Response('{"success":false,"error":"Referral code not found"}', { status: 404 }));
    await expect(send(url, body)).resolves.toEqual({ success: false, error: 'Referral code not found' });
  });

  it('resolves {success: false} when the network fails or the answer is not JSON', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(send(url, body)).resolves.toEqual({ success: false, error: 'Failed to fetch' });
    vi.stubGlobal('fetch', async () => new Response('<html>502</html>', { status: 502 }));
    await expect(send(url, body)).resolves.toMatchObject({ success: false });
  });

  it('falls back to sendBeacon when fetch is missing', async () => {
    const sendBeacon = vi.fn(() => true);
    vi.stubGlobal('fetch', undefined);
    vi.stubGlobal('navigator', { sendBeacon });
    await expect(send(url, body)).resolves.toEqual({ success: true });
    expect(sendBeacon).toHaveBeenCalledWith(url, JSON.stringify(body));
  });

  it('falls back to sendBeacon when fetch refuses synchronously (keepalive quota)', async () => {
    const sendBeacon = vi.fn(() => false);
    vi.stubGlobal('fetch', () => {
      throw new TypeError('keepalive request exceeds the quota');
    });
    vi.stubGlobal('navigator', { sendBeacon });
    await expect(send(url, body)).resolves.toEqual({ success: false, error: 'beacon refused' });
    expect(sendBeacon).toHaveBeenCalledOnce();
  });
});
