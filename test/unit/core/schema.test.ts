/**
 * validate(): the library's one way of turning a schema failure into a ValidationError. A field that is
 * absent says "is required" (zod's own text, "expected string, received undefined", reads like a bug of
 * the caller's types); a field that is present but wrong keeps the schema's rule.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../src/core/errors.js';
import { fen, requiredBytes, validate } from '../../../src/core/schema.js';
import { oneCardMethods } from '../../../src/onecard/methods.js';

const schema = z.strictObject({
  name: z.string(),
  label: requiredBytes(8),
  amount: fen(),
  nested: z.object({ id: z.string() }),
  note: z.string().optional(),
});

function issuesOf(value: unknown) {
  try {
    validate(schema, value, 'demo', 'request');
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error('validate accepted the value');
}

describe('validate: a missing field is "required"', () => {
  it('names each absent field, with its type or the schema rule, never "received undefined"', () => {
    expect(issuesOf({ nested: {} })).toEqual([
      { path: 'name', message: 'is required (string)' },
      { path: 'label', message: 'is required (string)' },
      { path: 'amount', message: 'is required: must be an amount in integer fen (a number)' },
      { path: 'nested.id', message: 'is required (string)' },
    ]);
  });

  it('a field given with the wrong type keeps the rule it broke', () => {
    const issues = issuesOf({ name: 1, label: 'x', amount: '5', nested: { id: 'a' } });
    expect(issues.map((i) => i.path)).toEqual(['name', 'amount']);
    expect(issues[0]!.message).not.toContain('required');
    expect(issues[1]!.message).toBe('must be an amount in integer fen (a number)');
  });

  it('a table method called without a required field says so in the error message', () => {
    const recharge = oneCardMethods.recharge.request;
    expect(() => validate(recharge, {}, 'recharge', 'request')).toThrow(/account: is required/);
  });
});
