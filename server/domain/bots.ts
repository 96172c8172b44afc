import { isbot } from 'isbot';

/**
 * Crawlers, link previewers, monitors and HTTP libraries (the isbot package's list). An empty user
 * agent is not treated as a bot: privacy tools strip it from real browsers too.
 */
export function isBotUserAgent(userAgent: string | undefined): boolean {
  return isbot(userAgent);
}
