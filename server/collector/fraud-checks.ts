import { emailDomain, emailIdentity } from '../domain/email-identity.js';
import type { FraudReason, FraudSettings } from '../domain/fraud-settings.js';
import { networkKey } from '../domain/network-key.js';
import { utcDay, visitorKey } from '../domain/visitor-key.js';
import type { Contest, Entry } from '../store/types.js';
import type { CollectorContext } from './context.js';

/**
 * The client a browser-sent signup came from. Absent when the caller is a backend (REST API,
 * inbound webhook, a track-signup carrying the webhook secret or a private key): its address is
 * the server's, not the person's, so the device checks do not apply.
 */
export interface SignupDevice {
  ip: string;
  userAgent: string;
}

/** Where a signup came from, as stored with its entry: salted hashes only, never the address. */
export interface DeviceKeys {
  visitorKey: string;
  networkKey: string;
}

export async function deviceKeys(ctx: CollectorContext, contestId: string, device: SignupDevice | null | undefined): Promise<DeviceKeys | null> {
  if (!device) return null;
  const salt = await ctx.store.visits.saltForDay(utcDay(ctx.now()));
  return {
    visitorKey: visitorKey(salt, contestId, device.ip, device.userAgent),
    networkKey: networkKey(salt, contestId, device.ip),
  };
}

/**
 * The disposable-email-domains list (121k domains, 2.4 MB of JSON): loaded and made a Set on the
 * first signup that asks. A dynamic import, so the bundles keep it in a lazily run module and the
 * write thread pays for it only in contests that use the check.
 */
let disposable: Promise<Set<string>> | undefined;
const disposableDomains = () =>
  (disposable ??= import('disposable-email-domains/index.json', { with: { type: 'json' } }).then((list) => new Set(list.default)));

async function isDisposableDomain(domain: string, settings: FraudSettings['checks']['disposableEmail']): Promise<boolean> {
  if (settings.removeDomains.includes(domain)) return false;
  if (settings.addDomains.includes(domain)) return true;
  return (await disposableDomains()).has(domain);
}

/**
 * The reasons a referred signup is suspicious, in a fixed order (empty: clean). Asks the store one
 * question for all the checks that need stored data.
 */
export async function referralRisks(
  ctx: CollectorContext,
  contest: Contest,
  advocate: Entry,
  email: string | null,
  keys: DeviceKeys | null,
): Promise<FraudReason[]> {
  const { mode, checks } = contest.settings.fraud;
  if (mode === 'off') return [];
  const reasons: FraudReason[] = [];
  if (email && checks.disposableEmail.enabled && (await isDisposableDomain(emailDomain(email), checks.disposableEmail))) {
    reasons.push('disposable_email');
  }
  const now = ctx.now();
  const answer = await ctx.store.fraud.signals({
    contestId: contest.id,
    advocateId: advocate.id,
    identityKey: email && checks.duplicateIdentity.enabled ? emailIdentity(email) : null,
    visitorKey: keys?.visitorKey ?? null,
    networkKey: keys?.networkKey ?? null,
    velocitySince: now - checks.velocity.windowSeconds * 1000,
  });
  // The advocate's own mailbox under another spelling is a self-referral.
  if (answer.identityEntryId !== null) {
    reasons.push(answer.identityEntryId === advocate.id ? 'self_referral' : 'duplicate_identity');
  }
  if (keys) {
    if (checks.selfReferralDevice.enabled && answer.advocateVisitorKey === keys.visitorKey) reasons.push('self_referral_device');
    if (checks.velocity.enabled && answer.recentFromSameSource >= checks.velocity.maxSignups) reasons.push('velocity');
    if (checks.tooFast.enabled && answer.lastVisitAt !== null && now - answer.lastVisitAt < checks.tooFast.minSeconds * 1000) {
      reasons.push('too_fast');
    }
  }
  return reasons;
}

/** What a new entry is checked against later (its identity, where it came from, whose code). */
export async function recordSignals(
  ctx: CollectorContext,
  entry: Entry,
  email: string | null,
  advocateId: string | null,
  keys: DeviceKeys | null,
): Promise<void> {
  await ctx.store.fraud.recordSignals({
    entryId: entry.id,
    contestId: entry.contestId,
    advocateId,
    identityKey: email ? emailIdentity(email) : null,
    visitorKey: keys?.visitorKey ?? null,
    networkKey: keys?.networkKey ?? null,
    createdAt: entry.createdAt,
  });
}
