/**
 * A contest's fraud settings (`settings.fraud`): what happens to a referral a check fires on, and
 * each check's switch and thresholds. No imports: the write thread parses them from the contest row.
 */

/** Stable reason codes, stored with each flag; the review queue and the ledger show them. */
export const FRAUD_REASONS = [
  'disposable_email',
  'duplicate_identity',
  'self_referral',
  'self_referral_device',
  'velocity',
  'too_fast',
] as const;
export type FraudReason = (typeof FRAUD_REASONS)[number];

/**
 * `flag`: the entry is created and referred as usual but the referral's points are held until an
 * operator approves them; `block`: the signup is recorded as not referred and earns nothing;
 * `off`: no checks.
 */
export type FraudMode = 'flag' | 'block' | 'off';

export interface FraudSettings {
  mode: FraudMode;
  checks: {
    /** The domain is on the disposable-email-domains list, plus `addDomains`, minus `removeDomains`. */
    disposableEmail: { enabled: boolean; addDomains: string[]; removeDomains: string[] };
    /** Same mailbox as an existing entry after provider rules (Gmail dots, plus-tags). */
    duplicateIdentity: { enabled: boolean };
    /** The signup's visitor key (IP + user agent, daily salt) is the advocate's own. */
    selfReferralDevice: { enabled: boolean };
    /** More than `maxSignups` referred signups per advocate within `windowSeconds` from one visitor key or network. */
    velocity: { enabled: boolean; maxSignups: number; windowSeconds: number };
    /** Signup less than `minSeconds` after a visit through the same code from the same visitor key. */
    tooFast: { enabled: boolean; minSeconds: number };
  };
}

export const defaultFraudSettings: FraudSettings = {
  mode: 'flag',
  checks: {
    disposableEmail: { enabled: true, addDomains: [], removeDomains: [] },
    duplicateIdentity: { enabled: true },
    selfReferralDevice: { enabled: true },
    velocity: { enabled: true, maxSignups: 5, windowSeconds: 3600 },
    tooFast: { enabled: true, minSeconds: 5 },
  },
};

export type FraudSettingsPatch = {
  mode?: FraudMode;
  checks?: { [K in keyof FraudSettings['checks']]?: Partial<FraudSettings['checks'][K]> };
};

/** Settings with a patch applied check by check (a PUT changes only what it names). */
export function mergeFraudSettings(base: FraudSettings, patch: FraudSettingsPatch | undefined | null): FraudSettings {
  if (!patch) return base;
  const checks = { ...base.checks } as Record<string, object>;
  for (const [name, value] of Object.entries(patch.checks ?? {})) {
    if (value && name in checks) checks[name] = { ...checks[name], ...value };
  }
  return { mode: patch.mode ?? base.mode, checks: checks as FraudSettings['checks'] };
}

/** The stored column: JSON of the settings, or NULL for the defaults. Unknown fields are ignored. */
export function parseFraudSettings(json: string | null): FraudSettings {
  if (!json) return defaultFraudSettings;
  return mergeFraudSettings(defaultFraudSettings, JSON.parse(json) as FraudSettingsPatch);
}
