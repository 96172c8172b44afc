import v8 from 'node:v8';
import heapFlags from './heap-limits.json' with { type: 'json' };

let inForce = false;

/**
 * Keeps V8's heaps close to what the collector really holds (~15 MB live on the main thread).
 * Left to its defaults, V8 sizes the heap for throughput, and a burst of requests leaves the
 * collector ~30 MB heavier for good. Two flags; on `npm run bench -- --scale` RSS at the end went
 * from 163–180 MB to 125.6–129.4 MB. In alternating runs on 10,000 entries visits/s stayed within
 * noise (−2%) and signups/s lost ~6%.
 *
 * - `--semi-space-growth-factor=1`: the young generation keeps its initial 1 MB semi-spaces
 *   instead of growing to 16 MB ones. A request leaves little alive, so most of what a bigger
 *   nursery holds is garbage waiting for the next scavenge.
 * - `--heap-growing-percent=50`: the next full collection is due when the old generation has
 *   grown 50% past what the last one kept alive, instead of by a factor V8 picks between 1.1 and
 *   4, so what the small nursery promotes is collected sooner instead of piling up.
 *
 * `--max-semi-space-size` would say the first directly, but it is read only when the heap is set
 * up, i.e. as a launch flag, which `npx refrocket` and the single executable cannot pass. These two
 * are read at every collection, so setting them at run time works.
 *
 * V8 clamps the growth factor back to 2 whenever an isolate is created (Node 20, V8 11.3), so the
 * write thread calls restoreHeapLimits once each of its workers is online.
 *
 * The flags are listed in heap-limits.json because bin/refrocket.mjs sets them too, before it
 * compiles dist/cli.cjs: V8 rejects a code cache made under other flags, and the cache is written
 * after serve() has set them, so without that every start would compile from scratch (+50 ms).
 */
export function keepHeapSmall(): void {
  inForce = true;
  for (const flag of heapFlags) v8.setFlagsFromString(flag);
}

/** Sets the limits again after a worker's isolate was created, if serve() put them in force. */
export function restoreHeapLimits(): void {
  if (inForce) keepHeapSmall();
}
