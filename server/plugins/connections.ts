import type { FastifyError, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Errors Node's HTTP parser answers itself, before Fastify sees a request (a malformed request
 * line, headers over 16 KB, a request that did not arrive within requestTimeout): the documented
 * envelope instead of Fastify's default `{"error", "message", "statusCode"}`.
 */
const clientErrorMessages: Record<string, [status: number, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request did not arrive in time'],
  HPE_HEADER_OVERFLOW: [431, 'request headers are too large'],
};

export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = clientErrorMessages[error.code ?? ''] ?? [400, 'malformed HTTP request'];
  const body = JSON.stringify({ success: false, error: message });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy();
}

/** Errors Fastify's router raises before any hook (a URL that does not decode, a huge path parameter). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const message = error.code === 'FST_ERR_BAD_URL' ? 'the URL is not validly encoded' : error.message;
  void reply.code(error.statusCode ?? 400).send({ success: false, error: message });
}

export interface ConnectionLimits {
  /** A request (headers and body) must arrive within this time (ms), else 408 and closed. */
  requestTimeoutMs: number;
  /** A connection idle this long (ms) is closed. */
  connectionTimeoutMs: number;
}

/**
 * Fastify's options for slow clients. Node checks requestTimeout only every
 * connectionsCheckingInterval (30 s by default), so a short timeout is checked more often.
 */
export function connectionOptions(limits: ConnectionLimits): Partial<FastifyServerOptions> {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    http: {
      headersTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.requestTimeoutMs),
    },
    clientErrorHandler,
    frameworkErrors,
  } as Partial<FastifyServerOptions>;
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 addresses. */
const isLoopback = (address: string) => /^(::ffff:)?127\./.test(address) || address === '::1';

/**
 * At most `max` open connections per client address: one address half-sending 1,000 requests
 * no longer holds 1,000 descriptors. A connection over the cap is closed at once, before it is
 * read. The address is the socket's: behind a reverse proxy it is the proxy's, so the cap must
 * then exceed the proxy's connection pool (or be 0, off). Loopback peers (a reverse proxy or a
 * health check on the same host) are not capped unless `capLoopback` says so (tests).
 */
export function capConnectionsPerIp(server: Server, max: number, { capLoopback = false } = {}): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (!capLoopback && isLoopback(address)) return;
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
