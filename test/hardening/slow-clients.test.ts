import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type App, type AppOptions } from '../../server/app.js';

/**
 * Real sockets against a listening collector (app.inject bypasses Node's HTTP parser, where
 * request timeouts, header limits and connection caps live).
 */
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(options: AppOptions): Promise<number> {
  app = buildApp(options);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

/** Opens a socket and collects what the server sends until it closes the connection. */
function openSocket(port: number) {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
  const connected = new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  return { socket, closed, connected, received: () => received };
}

/** The JSON body of a raw HTTP response. */
const bodyOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4));
const statusOf = (response: string) => Number(response.split(' ')[1]);

describe('slow clients are cut off (issue 20, item 4)', () => {
  it('a body sent one byte at a time is answered 408 in the envelope and closed, long before it could finish', async () => {
    const port = await listening({ requestTimeoutMs: 1_000 });
    const client = openSocket(port);
    await client.connected;
    const body = JSON.stringify({ contestId: 'c1', referralCode: 'REF-SLOW01', url: null, referrer: null });
    client.socket.write(`POST /api/referral/track-visit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    // One byte every 200 ms would take body.length × 200 ms (over 14 s); the server must not wait.
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < body.length && !client.socket.destroyed) client.socket.write(body[sent++]);
    }, 200);
    const response = await client.closed;
    clearInterval(trickle);
    expect(sent).toBeLessThan(body.length);
    expect(statusOf(response)).toBe(408);
    expect(bodyOf(response)).toEqual({ success: false, error: 'the request did not arrive in time' });
  }, 20_000);

  it('one address holds at most maxConnectionsPerIp open connections; the ones beyond are closed unread', async () => {
    const port = await listening({ maxConnectionsPerIp: 3, capLoopbackConnections: true });
    const clients = Array.from({ length: 5 }, () => openSocket(port));
    await Promise.all(clients.map((c) => c.connected));
    // Two of the five are closed by the server without a byte; the first three still work.
    const refused = await Promise.all(clients.slice(3).map((c) => c.closed));
    expect(refused).toEqual(['', '']);
    for (const client of clients.slice(0, 3)) {
      client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const response = await client.closed;
      expect(statusOf(response)).toBe(200);
    }
    // Closed connections give their slots back.
    const later = openSocket(port);
    await later.connected;
    later.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(statusOf(await later.closed)).toBe(200);
  });

  it('loopback peers (a reverse proxy on the same host) are not capped by default', async () => {
    const port = await listening({ maxConnectionsPerIp: 2 });
    const clients = Array.from({ length: 4 }, () => openSocket(port));
    await Promise.all(clients.map((c) => c.connected));
    for (const client of clients) client.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    for (const client of clients) expect(statusOf(await client.closed)).toBe(200);
  });
});

describe("Node's own 400/431 and Fastify's router errors use the documented envelope (issue 20, item 6)", () => {
  const cases: Array<[string, string, number, string]> = [
    ['a malformed request line', 'NOT HTTP AT ALL\r\n\r\n', 400, 'malformed HTTP request'],
    ['headers over 16 KB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'request headers are too large'],
    ['a URL that does not decode', 'GET /api/v1/entries/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, 'the URL is not validly encoded'],
  ];
  it.each(cases)('%s', async (_name, request, status, error) => {
    const port = await listening({});
    const client = openSocket(port);
    await client.connected;
    client.socket.write(request);
    const response = await client.closed;
    expect(statusOf(response)).toBe(status);
    expect(bodyOf(response)).toEqual({ success: false, error });
  });

  it('a CORS preflight the CORS plugin refuses (no Access-Control-Request-Method)', async () => {
    app = buildApp({});
    const res = await app.inject({ method: 'OPTIONS', url: '/api/referral/track-visit', headers: { origin: 'https://shop.example' } });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual({ success: false, error: 'Invalid Preflight Request' });
  });
});

