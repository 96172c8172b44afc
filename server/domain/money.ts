/** ISO 4217 codes the runtime knows, upper case. */
const knownCurrencies = new Set(Intl.supportedValuesOf('currency'));
const exponentCache = new Map<string, number>();

export function isKnownCurrency(code: string): boolean {
  return knownCurrencies.has(code);
}

/** Minor-unit exponent of a currency: USD 2, JPY 0, BHD 3. */
export function currencyExponent(currency: string): number {
  let exponent = exponentCache.get(currency);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits ?? 2;
    exponentCache.set(currency, exponent);
  }
  return exponent;
}

/** 99.99 USD → 9999. Money is stored as integers so sums never drift. */
export function toMinorUnits(amount: number, currency: string): number {
  return Math.round(amount * 10 ** currencyExponent(currency));
}

/** 9999 USD minor units → 99.99. */
export function toMajorUnits(amountMinor: number, currency: string): number {
  return amountMinor / 10 ** currencyExponent(currency);
}

/** Purchase points: 1 point per currency unit by default, rounded half up (99.99 → 100). */
export function purchasePoints(amount: number, pointsPerUnit: number): number {
  return Math.round(amount * pointsPerUnit);
}
