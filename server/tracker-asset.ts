declare const __REFROCKET_TRACKER__: string | undefined;

let fromSources: Promise<string> | undefined;

/**
 * The browser script the collector serves. Builds embed it (build.mjs defines
 * __REFROCKET_TRACKER__); when running from sources (tests, development) it is built on the fly
 * with the same esbuild settings, once per process, so tests always exercise the current client code.
 */
export async function loadTrackerScript(): Promise<string> {
  if (typeof __REFROCKET_TRACKER__ === 'string') return __REFROCKET_TRACKER__;
  fromSources ??= (async () => {
    const builder = new URL('../scripts/build-client.mjs', import.meta.url).href;
    const { buildClient } = (await import(builder)) as {
      buildClient(options: { write: boolean }): Promise<{ code: string }>;
    };
    return (await buildClient({ write: false })).code;
  })();
  return fromSources;
}
