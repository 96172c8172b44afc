import { z } from 'zod';

/**
 * Validation messages name the field and say what is wrong in plain words, e.g.
 * "email must be a valid email address". zod produces the predicate ("must be …"); the error
 * handler prefixes the field path (see describeValidationError).
 */
function describeType(expected: string): string {
  if (expected === 'object') return 'a JSON object';
  if (expected === 'array') return 'an array';
  if (expected === 'int' || expected === 'integer') return 'an integer';
  return `a ${expected}`;
}

const zodMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      // z.coerce turns "abc" into NaN; JSON's 1e999 parses to Infinity.
      if (issue.expected === 'number' && Number.isNaN(issue.input)) return 'must be a number';
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'must be a finite number';
      return `must be ${describeType(issue.expected)}`;
    case 'too_small': {
      const min = Number(issue.minimum);
      if (issue.origin === 'string') return min <= 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'number') {
        return issue.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
      }
      return `must have at least ${min} items`;
    }
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'number') return `must be at most ${max}`;
      return `must have at most ${max} items`;
    }
    case 'invalid_format':
      if (issue.format === 'email') return 'must be a valid email address';
      if (issue.format === 'url') return 'must be a valid URL';
      if (issue.format === 'datetime') return 'must be an ISO 8601 date-time';
      return 'has an invalid format';
    case 'invalid_value':
      return `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'not_multiple_of':
      return issue.divisor === 1 ? 'must be an integer' : `must be a multiple of ${issue.divisor}`;
    case 'unrecognized_keys':
      return `has unknown fields: ${issue.keys.join(', ')}`;
    default:
      return undefined;
  }
};

z.config({ customError: zodMessage });

/** Turns the first validation issue into "<field> <predicate>"; the root is named by context. */
export function describeValidationError(
  issues: Array<{ instancePath: string; message?: string }>,
  context: string | undefined,
): string {
  const issue = issues[0];
  const path = issue?.instancePath.replace(/^\//, '').replaceAll('/', '.');
  const field = path || (context === 'querystring' ? 'query' : (context ?? 'body'));
  return `${field} ${issue?.message ?? 'is invalid'}`;
}
