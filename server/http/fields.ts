import { z } from 'zod';
import { isKnownCurrency } from '../domain/money.js';
import './validation.js';

/**
 * Field schemas shared by every route, each with a hard length limit: nothing unbounded reaches
 * the database. Unknown fields in a body are dropped (zod's default), not rejected, so clients
 * that send extra data keep working.
 */
export const limits = {
  id: 64,
  email: 254,
  name: 200,
  phone: 32,
  url: 2048,
  orderId: 128,
  text: 1000,
  maxAmount: 1_000_000_000,
} as const;

export const contestId = z.string().trim().min(1).max(limits.id).describe('The contest identifier');
export const referralCode = z.string().trim().min(1).max(limits.id).describe('A referral code, e.g. REF-XYZ789');
export const email = z.string().trim().max(limits.email).email().describe('Email address');
export const name = z.string().trim().max(limits.name).nullish().describe('Display name');
export const phone = z.string().trim().max(limits.phone).nullish().describe('Phone number, E.164');
export const url = z.string().trim().max(limits.url).nullish();
export const orderId = z.string().trim().min(1).max(limits.orderId).describe('Unique order identifier');
export const amount = z
  .number()
  .positive()
  .max(limits.maxAmount)
  .describe('Purchase amount in major units (99.99), > 0');
export const currency = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isKnownCurrency, { error: 'must be an ISO 4217 currency code such as USD' })
  .nullish()
  .transform((value) => value ?? 'USD')
  .describe("ISO 4217 currency code (default 'USD')");

/** ISO 8601 timestamp with milliseconds, as the hosted service emits them. */
export const isoDate = z.string().describe('ISO 8601 UTC timestamp');

export const errorResponse = z
  .object({
    success: z.literal(false),
    error: z.string(),
    requestId: z.string().optional(),
  })
  .describe('Error');
