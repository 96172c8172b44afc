import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '../../server/store/open-store.js';
import type { Store } from '../../server/store/repositories.js';
import { dropDatabase, freshDatabase } from '../helpers/postgres.js';
import { BROWSER_UA } from '../helpers/test-app.js';
import { freePort, postJson, repoRoot, seed, sleep, useWorkspace, type Collector } from '../reliability/harness.js';

const NGINX = '/usr/sbin/nginx';
// .ci/run installs nginx (Debian's package); elsewhere the suite says why it is skipped.
const haveNginx = existsSync(NGINX);
if (!haveNginx && process.env.CI) throw new Error(`${NGINX} is missing: .ci/run must install nginx`);

/**
 * deploy/nginx/refrocket.conf as shipped, with only its addresses changed: the listen port and
 * the two upstream ports become this test's. Wrapped in a minimal nginx.conf that keeps every
 * file nginx writes in `dir` and logs which upstream served each request.
 */
function nginxConfig(dir: string, listenPort: number, upstreamPorts: [number, number]): string {
  const site = readFileSync(join(repoRoot, 'deploy/nginx/refrocket.conf'), 'utf8')
    .replace(/listen 80;/, `listen 127.0.0.1:${listenPort};`)
    .replace('127.0.0.1:3001', `127.0.0.1:${upstreamPorts[0]}`)
    .replace('127.0.0.1:3002', `127.0.0.1:${upstreamPorts[1]}`);
  writeFileSync(join(dir, 'refrocket.conf'), site);
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub), { recursive: true });
  return `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 512; }
http {
  log_format upstream '$upstream_addr $status';
  access_log ${dir}/access.log upstream;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/refrocket.conf;
}
`;
}

async function startNginx(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(NGINX, ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => void (stderr += chunk));
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) return child;
    } catch {
      // not listening yet
    }
    if (tries > 200) throw new Error(`nginx did not start: ${stderr}`);
    await sleep(25);
  }
}

describe.skipIf(!haveNginx)('two collectors behind nginx (deploy/nginx/refrocket.conf), one PostgreSQL', () => {
  const workspace = useWorkspace('nginx');
  let url: string;
  let store: Store;
  let a: Collector;
  let b: Collector;
  let nginx: ChildProcess | undefined;
  let proxy: string;
  let dir: string;
  let code: string;

  beforeAll(async () => {
    url = await freshDatabase(inject('pgUrl'));
    ({ advocates: [{ code }] } = await seed(url, 'nginx1', 1));
    [a, b] = await Promise.all([
      workspace.startCollector(url, ['--trust-proxy']),
      workspace.startCollector(url, ['--trust-proxy']),
    ]);
    dir = workspace.path('nginx');
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o777); // nginx's workers drop to `nobody` when started as root
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, [a.port, b.port]));
    nginx = await startNginx(dir, port);
    proxy = `http://127.0.0.1:${port}`;
    store = await openStore(url);
  }, 60_000);
  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await store?.close();
    if (url) await dropDatabase(url);
  });

  const served = () => readFileSync(join(dir, 'access.log'), 'utf8').trim().split('\n');

  it('spreads requests over both collectors, and duplicates through the proxy still award once', async () => {
    const signups = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        postJson(`${proxy}/api/referral/track-signup`, { contestId: 'nginx1', email: `via-proxy-${i}@example.com`, referralCode: code }),
      ),
    );
    expect(signups.map((r) => r.status)).toEqual(Array(40).fill(200));
    const upstreams = new Set(served().map((line) => line.split(' ')[0]));
    expect(upstreams).toEqual(new Set([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]));

    const purchases = await Promise.all(
      Array.from({ length: 30 }, () =>
        postJson(`${proxy}/api/referral/track-purchase`, {
          contestId: 'nginx1', email: 'via-proxy-0@example.com', orderId: 'NGINX-1', amount: 5, currency: 'USD', referralCode: code,
        }),
      ),
    );
    expect(purchases.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(purchases.filter((r) => r.body.data.pointsAwarded > 0)).toHaveLength(1);
  });

  it('the collectors take the client address from the proxy hop: a forged X-Forwarded-For changes no visitor key', async () => {
    const visit = (headers: Record<string, string>) =>
      postJson(`${proxy}/api/referral/track-visit`, { contestId: 'nginx1', referralCode: code }, { 'user-agent': BROWSER_UA, ...headers });
    expect((await visit({})).status).toBe(200);
    expect((await visit({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(200);
    const keys = (await store.tables.page('visits', undefined, 100)).map((row) => row.visitor_key);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
  });

  it('when one collector dies, nginx sends new requests to the other', async () => {
    await a.stop('SIGKILL');
    const after = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postJson(`${proxy}/api/referral/track-signup`, { contestId: 'nginx1', email: `after-death-${i}@example.com`, referralCode: code }),
      ),
    );
    expect(after.map((r) => r.status)).toEqual(Array(10).fill(200));
  });
});
