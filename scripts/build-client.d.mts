export function measure(code: string): { raw: number; gzip: number; brotli: number };
export function buildClient(options?: { write?: boolean }): Promise<{ code: string; sizes: { raw: number; gzip: number; brotli: number } }>;
