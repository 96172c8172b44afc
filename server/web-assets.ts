declare const __REFROCKET_WEB__: Record<string, string> | undefined;

let fromSources: Promise<Record<string, string>> | undefined;

/**
 * The dashboard's built files (name → content; names carry a content hash). Builds embed them
 * (build.mjs defines __REFROCKET_WEB__, so the single executable carries them too); running from
 * sources (tests, development) builds them once per process with the same esbuild settings.
 */
export async function loadWebAssets(): Promise<Record<string, string>> {
  if (typeof __REFROCKET_WEB__ === 'object' && __REFROCKET_WEB__ !== null) return __REFROCKET_WEB__;
  fromSources ??= (async () => {
    const builder = new URL('../scripts/build-web.mjs', import.meta.url).href;
    const { buildWeb } = (await import(builder)) as { buildWeb(options: { write: boolean }): Promise<{ files: Record<string, string> }> };
    return (await buildWeb({ write: false })).files;
  })();
  return fromSources;
}
