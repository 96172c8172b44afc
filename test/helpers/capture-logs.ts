import { Writable } from 'node:stream';

/** Every line an app logs, as written (JSON text): pass `stream` to the logger options. */
export function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, stream };
}
