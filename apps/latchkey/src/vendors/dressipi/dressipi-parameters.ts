import { OAuthError, type OAuthErrorCode } from '@latchkey/token-exchange';
import type { FastifyRequest } from 'fastify';

/** The only redirect URI dressipi knows: out of band, the code comes back in the response. */
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob:auto';

/**
 * The client's API key (security scheme `api_key`, header x-api-key). Without one the
 * request is refused before anything else is read: 401 invalid_client. The key itself is
 * checked by the core, together with client_id.
 */
export function requireApiKey(request: FastifyRequest): string {
  const apiKey = request.headers['x-api-key'];
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new OAuthError('invalid_client', 'The x-api-key header is required.', { status: 401 });
  }
  return apiKey.trim();
}

/**
 * The named parameters of one source (query string or body): every parameter at most once
 * (RFC 6749 §3.1, §3.2), and an empty value counts as absent. Other values (numbers,
 * nested elements) are kept for the validator to refuse.
 */
export function ownParameters(source: unknown, names: readonly string[]): Record<string, unknown> {
  const fields = (source ?? {}) as Record<string, unknown>;
  const picked: Record<string, unknown> = {};
  for (const name of names) {
    const value = fields[name];
    if (Array.isArray(value)) throw repeated(name);
    if (value !== undefined && value !== null && value !== '') picked[name] = value;
  }
  return picked;
}

/** Query string and body together; a parameter sent in both is a repeated parameter. */
export function mergeParameters(query: Record<string, unknown>, body: Record<string, unknown>): Record<string, unknown> {
  for (const name of Object.keys(body)) if (name in query) throw repeated(name);
  return { ...query, ...body };
}

function repeated(name: string): OAuthError {
  return new OAuthError('invalid_request', `The ${name} parameter is repeated.`, { field: name });
}

/**
 * One parameter's rules, checked in this order (the first that fails is reported): present,
 * a string, at most maxLength characters, then its own value rule.
 */
export interface ParameterRule {
  /** Required: true for "The <name> parameter is required.", or the message to give instead. */
  required?: true | string;
  /** Checked only when this holds (code only for grant_type=authorization_code, say). */
  when?: (fields: Record<string, unknown>) => boolean;
  maxLength?: number;
  value?: ValueRule;
}

/** What a parameter's value must be: the test, its message, and its error code (invalid_request unless given). */
export interface ValueRule {
  test: (value: string) => boolean;
  message: string | ((value: string) => string);
  error?: OAuthErrorCode;
}

/** The rules of an endpoint's parameters, in the order the vendor documents (and this dialect checks) them. */
export type ParameterRules<Name extends string> = Readonly<Record<Name, ParameterRule>>;

/** A value rule: exactly `expected`. */
export const equalTo = (expected: string, message: string): ValueRule => ({ test: (value) => value === expected, message });

/**
 * The parameters, checked against their rules in the rules' order; the first failure is
 * an OAuthError naming the parameter, with its rule's message as the description (one
 * whose `when` does not hold is passed through as it came, unchecked). Written
 * out rather than as class-validator decorators: on the token endpoint's hot path,
 * class-validator's pass cost more than the rest of the controller (README, "Dialects and
 * class-validator").
 */
export function checkParameters<Name extends string>(rules: ParameterRules<Name>, fields: Record<string, unknown>): Partial<Record<Name, string>> {
  for (const name in rules) {
    const rule: ParameterRule = rules[name];
    if (rule.when && !rule.when(fields)) continue;
    const value = fields[name];
    if (value === undefined) {
      if (rule.required) throw invalidParameter(name, rule.required === true ? `The ${name} parameter is required.` : rule.required);
      continue;
    }
    if (typeof value !== 'string') throw invalidParameter(name, `The ${name} parameter must be a string.`);
    if (rule.maxLength !== undefined && value.length > rule.maxLength) {
      throw invalidParameter(name, `The ${name} parameter must be at most ${rule.maxLength} characters.`);
    }
    if (rule.value && !rule.value.test(value)) {
      const { message, error = 'invalid_request' } = rule.value;
      throw new OAuthError(error, typeof message === 'string' ? message : message(value), { field: name });
    }
  }
  return fields as Partial<Record<Name, string>>;
}

function invalidParameter(name: string, message: string): OAuthError {
  return new OAuthError('invalid_request', message, { field: name });
}
