// The baseline: a bare Fastify 5 app that answers {"success": true} without touching storage.
// Same framework, same JSON body parsing, so the ratio isolates what the collector adds.
// Usage: node bench/baseline-server.mjs PORT
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/post', async () => ({ success: true }));
app.get('/get', async () => ({ success: true }));
app.get('/healthz', async () => ({ status: 'ok' }));
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
process.once('SIGTERM', () => app.close().then(() => process.exit(0)));
