import { OAuthError } from '@latchkey/token-exchange';
import { describe, expect, it } from 'vitest';
import { checkParameters, equalTo, type ParameterRules } from './dressipi-parameters.js';

const RULES = {
  mode: { required: true, value: equalTo('on', 'The mode must be on.') },
  kind: { required: true, value: { test: (v) => ['a', 'b'].includes(v), message: (v) => `No kind "${v}".`, error: 'unsupported_grant_type' } },
  only_for_a: { when: (fields) => fields.kind === 'a', required: 'only_for_a is needed with kind a.', maxLength: 4 },
  note: { maxLength: 3 },
} satisfies ParameterRules<string>;

function failure(fields: Record<string, unknown>): { error: string; description: string; field: string | undefined } {
  try {
    checkParameters(RULES, fields);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return { error: error.code, description: error.description, field: error.field };
  }
  throw new Error('checkParameters accepted the parameters');
}

describe('checkParameters (dressipi)', () => {
  it('answers the parameters when every rule holds, optional and conditional ones left out', () => {
    expect(checkParameters(RULES, { mode: 'on', kind: 'b' })).toEqual({ mode: 'on', kind: 'b' });
    expect(checkParameters(RULES, { mode: 'on', kind: 'a', only_for_a: 'abcd', note: 'abc' })).toEqual({ mode: 'on', kind: 'a', only_for_a: 'abcd', note: 'abc' });
  });

  it('reports the first failing parameter in the rules order, not the body order', () => {
    expect(failure({ kind: 'z', mode: 'off' })).toEqual({ error: 'invalid_request', description: 'The mode must be on.', field: 'mode' });
    expect(failure({ note: 'toolong' })).toEqual({ error: 'invalid_request', description: 'The mode parameter is required.', field: 'mode' });
  });

  it('checks presence, then type, then length, then the value, each with its own message and error code', () => {
    expect(failure({ mode: 'on' })).toMatchObject({ description: 'The kind parameter is required.', field: 'kind' });
    expect(failure({ mode: 7, kind: 'a' })).toMatchObject({ error: 'invalid_request', description: 'The mode parameter must be a string.' });
    expect(failure({ mode: 'on', kind: 'z' })).toEqual({ error: 'unsupported_grant_type', description: 'No kind "z".', field: 'kind' });
    expect(failure({ mode: 'on', kind: 'b', note: 'four' })).toMatchObject({ description: 'The note parameter must be at most 3 characters.', field: 'note' });
    expect(failure({ mode: 'on', kind: 'b', note: ['a'] })).toMatchObject({ description: 'The note parameter must be a string.' });
  });

  it('checks a conditional parameter only when its condition holds, with its own required message', () => {
    expect(failure({ mode: 'on', kind: 'a' })).toMatchObject({ description: 'only_for_a is needed with kind a.', field: 'only_for_a' });
    expect(failure({ mode: 'on', kind: 'a', only_for_a: 'abcde' })).toMatchObject({ description: 'The only_for_a parameter must be at most 4 characters.' });
    expect(checkParameters(RULES, { mode: 'on', kind: 'b', only_for_a: 42 })).toEqual({ mode: 'on', kind: 'b', only_for_a: 42 });
  });
});
