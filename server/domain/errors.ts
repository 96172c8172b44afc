/**
 * An error with an HTTP status and a client-facing message. The one error handler turns it into
 * `{"success": false, "error": message}`; anything else becomes a 500 with a generic message.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const unauthorized = (message: string) => new ApiError(401, message);
export const forbidden = (message: string) => new ApiError(403, message);
export const notFound = (message: string) => new ApiError(404, message);

/** Error strings that clients of the hosted service match on: keep them verbatim. */
export const messages = {
  contestNotFound: 'Contest not found',
  contestNotActive: 'Contest is not active',
  referralCodeNotFound: 'Referral code not found',
  entryNotFound: 'Entry not found',
  invalidApiKey: 'Missing or invalid API key',
  privateKeyRequired: 'This endpoint requires a private API key',
  keyScopedToOtherContest: 'This API key is scoped to another contest',
  emailOrPhoneRequired: 'Either email or phone is required',
  invalidWebhookSecret: 'Invalid webhook secret',
  rateLimited: 'Rate limit exceeded. Please try again later.',
  internal: 'Internal server error',
  purchaseRecorded: 'Purchase recorded successfully',
  purchaseAlreadyRecorded: 'Purchase already recorded',
  browserPurchasesIgnored: 'This contest does not accept browser-reported purchases',
} as const;
