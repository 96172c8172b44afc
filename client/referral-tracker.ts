/**
 * Script-tag entry: reads the tag's configuration, installs `window.RocketTracker` (keeping the
 * pre-load stub's object, so references to it stay valid) and runs the calls the stub queued.
 * Defines no other global and never throws into the page. Everything else lives in pure modules.
 */
import { findScript, readConfig } from './config.js';
import { drain, type Api, type QueuedCall } from './queue.js';
import { createTracker } from './tracker.js';

try {
  const host = window as unknown as { RocketTracker?: Partial<Api> & { q?: QueuedCall[] } };
  const existing = host.RocketTracker;
  // Loaded twice: the first copy stays in charge.
  if (!(existing && existing.getReferralCode)) {
    const tracker = createTracker(readConfig(findScript()));
    const global = (host.RocketTracker = Object.assign(existing || {}, tracker));
    const queue = global.q;
    delete global.q;
    drain(queue, global as Api);
  }
} catch {}
