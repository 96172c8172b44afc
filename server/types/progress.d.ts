declare module 'progress' {
  /** The `progress` package's terminal progress bar (the part refrocket uses). */
  export default class ProgressBar {
    constructor(format: string, options: { total: number; width?: number; stream?: NodeJS.WritableStream; renderThrottle?: number; clear?: boolean });
    tick(delta?: number, tokens?: Record<string, unknown>): void;
    terminate(): void;
    curr: number;
    total: number;
  }
}
