import type { FastifyServerOptions } from 'fastify';

/**
 * Query parameters whose values never reach a log line: secrets, and personal data (emails,
 * searches by email or name). Compared after decoding, case-folded, with everything but letters
 * dropped, so `apiKey[]`, ` apiKey`, `api_key` and `apiKey%00` are caught like `apiKey`.
 */
const REDACTED_PARAMS = new Set(['apikey', 'key', 'secret', 'webhooksecret', 'email', 'search', 'token', 'password']);

/** Values redacted whatever their parameter is called: key and secret shapes, and emails. */
const SECRET_SHAPE = /rr_[sp]k_|whsec_/i;
const EMAIL_SHAPE = /[^\s@/?&=;]+@[^\s@/?&=;]+/;
const SECRET_TOKENS = /(?:rr_[sp]k_|whsec_)[^\s"'&;/?#]*/gi;
const EMAIL_TOKENS = /[^\s@"'<>/?&=;:,()[\]{}]+@[^\s@"'<>/?&=;:,()[\]{}]+/g;

/** Percent- and form-decoded, repeatedly (a value encoded twice hides its `@` behind `%2540`). */
function decode(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current.replace(/\+/g, ' '));
    } catch {
      // A malformed escape elsewhere must not hide a valid one: decode what can be decoded.
      next = current.replace(/(%[0-9a-f]{2})+/gi, (run) => {
        try {
          return decodeURIComponent(run);
        } catch {
          return run;
        }
      });
    }
    if (next === current) break;
    current = next;
  }
  return current;
}

const looksSensitive = (decoded: string) => SECRET_SHAPE.test(decoded) || EMAIL_SHAPE.test(decoded);
const paramName = (name: string) => decode(name).toLowerCase().replace(/[^a-z]/g, '');

/** Replaces keys, secrets and emails inside any text (error messages, stacks) by [redacted]. */
export function redactText(text: string): string {
  return text.replace(SECRET_TOKENS, '[redacted]').replace(EMAIL_TOKENS, '[redacted]');
}

/**
 * The URL as logged. Path segments that decode to a key, secret or email become [redacted]; in
 * the query (split at `&` and `;`, as some parsers do), a value is redacted when its parameter's
 * name is a sensitive one or when the decoded value looks like a key, secret or email. A pair
 * whose name itself carries such a value is redacted whole.
 */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  const pathEnd = queryStart === -1 ? url.length : queryStart;
  const path = url
    .slice(0, pathEnd)
    .split('/')
    .map((segment) => (looksSensitive(decode(segment)) ? '[redacted]' : segment))
    .join('/');
  if (queryStart === -1) return path;
  const hashStart = url.indexOf('#', queryStart);
  const end = hashStart === -1 ? url.length : hashStart;
  const query = url.slice(queryStart + 1, end).replace(/[^&;]+/g, (pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    if (looksSensitive(decode(name))) return '[redacted]';
    if (eq === -1) return pair;
    const value = pair.slice(eq + 1);
    return REDACTED_PARAMS.has(paramName(name)) || looksSensitive(decode(value)) ? `${name}=[redacted]` : pair;
  });
  const fragment = url.slice(end);
  return `${path}?${query}${looksSensitive(decode(fragment)) ? '#[redacted]' : fragment}`;
}

/**
 * Structured JSON logs (pino) with the request id on every line. Requests are logged as method +
 * redacted URL only: no headers (API keys, webhook secrets, cookies travel there), no client IP
 * (refrocket stores no raw IPs, logs included), no secret or email query values.
 */
export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: redactUrl(req.url) }),
      // An error's text can quote input (a URL, a database's "Key (email)=(…)" detail).
      err: (error: Error & { code?: unknown; detail?: unknown }) => ({
        type: error?.name,
        message: redactText(String(error?.message ?? error)),
        stack: typeof error?.stack === 'string' ? redactText(error.stack) : undefined,
        code: error?.code,
        detail: typeof error?.detail === 'string' ? redactText(error.detail) : undefined,
      }),
    },
  } as FastifyServerOptions['logger'];
}
