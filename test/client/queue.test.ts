import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { drain, type QueuedCall } from '../../client/queue.js';
import { PRELOAD_STUB } from './stub.js';

describe('drain', () => {
  it('runs queued calls in order with their arguments and settles their promises', async () => {
    const calls: string[] = [];
    const api = {
      consent: vi.fn((granted: boolean) => void calls.push(`consent:${granted}`)),
      trackSignup: vi.fn(async (email: string, name?: string) => {
        calls.push(`signup:${email}:${name}`);
        return { success: true };
      }),
    };
    const settled: unknown[] = [];
    const queue: QueuedCall[] = [
      ['consent', [true], (value) => settled.push(value)],
      ['trackSignup', ['a@example.com', 'Ann'], (value) => settled.push(value)],
    ];
    drain(queue, api);
    expect(calls).toEqual(['consent:true', 'signup:a@example.com:Ann']);
    await Promise.resolve();
    expect(settled[0]).toBeUndefined();
    expect(await settled[1]).toEqual({ success: true });
  });

  it('turns an unknown method or a throw into a resolved {success: false}', async () => {
    let result: unknown;
    drain([['nope', [], (value) => (result = value)]], {});
    await expect(result).resolves.toMatchObject({ success: false });
  });

  it('accepts no queue', () => {
    expect(() => drain(undefined, {})).not.toThrow();
  });

  it('works with the documented two-line stub: calls made before load resolve after it', async () => {
    const window: { RocketTracker?: { q: QueuedCall[] } & Record<string, unknown> } = {};
    new Function('window', PRELOAD_STUB)(window);
    const rt = window.RocketTracker as unknown as { trackSignup(email: string): Promise<unknown> };
    const pending = rt.trackSignup('early@example.com');
    expect(window.RocketTracker!.q).toHaveLength(1);
    drain(window.RocketTracker!.q, { trackSignup: async (email: string) => ({ success: true, email }) });
    await expect(pending).resolves.toEqual({ success: true, email: 'early@example.com' });
  });

  it('is the stub client/README.md documents, verbatim', () => {
    const readme = readFileSync(new URL('../../client/README.md', import.meta.url), 'utf8');
    expect(readme).toContain(PRELOAD_STUB);
  });
});
