import { OAuthError, type OAuthErrorCode } from '@latchkey/token-exchange';
import { validateSync, type ValidationError } from 'class-validator';
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

/** Which OAuth error a failed constraint means (invalid_request unless its decorator says otherwise). */
export interface ParameterContext {
  error: OAuthErrorCode;
}

/** The order in which the constraints of one parameter are reported. */
const PRECEDENCE = ['isDefined', 'isString', 'maxLength', 'isIn', 'equals', 'matches'];

/**
 * Validates a request DTO (class-validator) and answers it, or throws the OAuthError of
 * the first failed parameter in `order`: its constraint's
 * message as the description, its context's error code (invalid_request by default).
 */
export function checkParameters<T extends object>(type: new () => T, fields: Record<string, unknown>, order: readonly string[]): T {
  const dto = Object.assign(new type(), fields);
  const errors = validateSync(dto, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  if (errors.length === 0) return dto;
  const first = firstInOrder(errors, order);
  const constraints = first.constraints ?? {};
  const constraint = PRECEDENCE.find((name) => constraints[name] !== undefined) ?? Object.keys(constraints)[0]!;
  const context = first.contexts?.[constraint] as ParameterContext | undefined;
  throw new OAuthError(context?.error ?? 'invalid_request', constraints[constraint]!, { field: first.property });
}

function firstInOrder(errors: ValidationError[], order: readonly string[]): ValidationError {
  const rank = (e: ValidationError) => (order.includes(e.property) ? order.indexOf(e.property) : order.length);
  return [...errors].sort((a, b) => rank(a) - rank(b))[0]!;
}
