import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The payload as standardwebhooks verified it; undefined when verification failed. */
  verified: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
}

/**
 * A real HTTP receiver on loopback that verifies every delivery with the standardwebhooks
 * package. `respond` decides each answer (default 204). `waitFor(n)` resolves once n deliveries
 * have arrived: tests await it instead of sleeping.
 */
export async function startReceiver(options: {
  secret?: () => string | undefined;
  respond?: (r: Received, n: number) => { status: number; headers?: Record<string, string> };
  /** While true, requests are received but never answered (a receiver that hangs). */
  hold?: () => boolean;
} = {}) {
  const received: Received[] = [];
  let waiters: Array<{ n: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: Received['verified'];
      const secret = options.secret?.();
      try {
        if (secret) verified = new Webhook(secret).verify(body, req.headers as Record<string, string>) as Received['verified'];
      } catch {
        verified = undefined;
      }
      const r: Received = { id: String(req.headers['webhook-id']), path: req.url ?? '/', headers: req.headers, body, verified };
      received.push(r);
      if (!options.hold?.()) {
        const answer = options.respond?.(r, received.length) ?? { status: 204 };
        res.writeHead(answer.status, answer.headers).end();
      }
      waiters = waiters.filter((w) => (received.length >= w.n ? (w.resolve(), false) : true));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    waitFor(n: number) {
      return received.length >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve }));
    },
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
