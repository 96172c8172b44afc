export const packageVersion: string;
export function buildServer(options: { trackerScript: string }): Promise<void>;
