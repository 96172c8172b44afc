import type { FastifyReply, FastifyRequest } from 'fastify';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { pickEncoding, type Encoding } from '../routes/tracker-script.js';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * A page file served compressed (brotli 11, gzip 9). Each encoding is compressed on its first
 * request, off the main thread, and kept: compressing the dashboard's ~80 kB script at brotli 11
 * takes ~250 ms, which at start-up delayed serving (and, under load, made the code cache that
 * bin/refrocket.mjs writes one second in be taken while a worker isolate had reset V8's flags).
 */
export class PrecompressedFile {
  private readonly bodies = new Map<Encoding, Promise<Buffer>>();

  constructor(readonly text: string, readonly type: string) {}

  body(encoding: Encoding): Promise<Buffer> {
    let body = this.bodies.get(encoding);
    if (!body) {
      const raw = Buffer.from(this.text);
      body =
        encoding === 'br' ? brotli(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
        : encoding === 'gzip' ? gzipAsync(raw, { level: 9 })
        : Promise.resolve(raw);
      this.bodies.set(encoding, body);
    }
    return body;
  }

  /** Sends the best encoding the request accepts, with content type and `vary`. */
  async send(request: FastifyRequest, reply: FastifyReply) {
    const encoding = pickEncoding(request.headers['accept-encoding']);
    if (encoding !== 'identity') reply.header('content-encoding', encoding);
    return reply
      .header('content-type', this.type)
      .header('vary', 'accept-encoding')
      .header('x-content-type-options', 'nosniff')
      .send(await this.body(encoding));
  }
}

export const contentTypeOf = (name: string) =>
  name.endsWith('.js') ? 'text/javascript; charset=utf-8' : name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/html; charset=utf-8';
