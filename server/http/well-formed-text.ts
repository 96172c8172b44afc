/**
 * NUL characters and unpaired UTF-16 surrogates in text: PostgreSQL refuses NUL in text columns
 * (a 500 on that engine), SQLite stores it and cuts strings at it in C APIs, and a lone surrogate
 * cannot be encoded as UTF-8, so it would be stored as something other than what was sent.
 * Refused at the edge on both engines alike.
 */
const ILL_FORMED = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The dotted path of the first string in `value` (object keys included) that is ill-formed. */
export function findIllFormedText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return ILL_FORMED.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (ILL_FORMED.test(key)) return itemPath;
    const found = findIllFormedText(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}
