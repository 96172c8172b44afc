// A worker thread for `--scale`: `clients` loops, each sending its next GET as soon as the last
// one answered, until told to stop; reports how many answers of each status it got. Runs apart
// from the measuring thread so the hammering does not slow the client that measures.
import { parentPort, workerData } from 'node:worker_threads';

const { urls, clients, headers } = workerData;
let running = true;
const statuses = {};
parentPort.on('message', () => (running = false));

async function loop(k) {
  for (let i = 0; running; i++) {
    try {
      const res = await fetch(urls[(k + i * clients) % urls.length], { headers });
      await res.arrayBuffer();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
    }
  }
}

await Promise.all(Array.from({ length: clients }, (_, k) => loop(k)));
parentPort.postMessage(statuses);
