import type { FastifyServerOptions } from 'fastify';

/** Query parameters that carry secrets; their values never reach a log line. */
const SECRET_PARAMS = /([?&](?:apiKey|secret|webhookSecret)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

/**
 * Structured JSON logs (pino) with the request id on every line. Requests are logged as method +
 * redacted URL only: no headers (API keys, webhook secrets, cookies travel there) and no client IP
 * (refrocket stores no raw IPs, logs included).
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers["x-webhook-secret"]', 'req.headers.cookie'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
    },
  } as FastifyServerOptions['logger'];
}
