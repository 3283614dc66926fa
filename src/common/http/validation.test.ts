import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from 'typebox';
import { findNul, validatorCompiler } from './validation.ts';

type Check = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };

const compile = (schema: object, httpPart: string) =>
  validatorCompiler({ schema, httpPart, method: 'POST', url: '/x' } as never) as unknown as Check;

describe('validatorCompiler', () => {
  const body = compile(Type.Object({ title: Type.Optional(Type.String()), tags: Type.Optional(Type.Array(Type.String())) }), 'body');

  it('when a string anywhere holds a NUL, then validation fails naming where', () => {
    assert.equal(body({ title: 'a\u0000b' }), false);
    assert.equal(body.errors?.[0]?.instancePath, '/title');
    assert.equal(body({ tags: ['ok', '\u0000'] }), false);
    assert.equal(body.errors?.[0]?.instancePath, '/tags/1');
  });

  it('when the input is clean, then it passes and query strings are still coerced', () => {
    assert.equal(body({ title: 'fine', tags: ['a'] }), true);
    const query = compile(Type.Object({ limit: Type.Integer({ default: 20 }) }), 'querystring');
    const data: Record<string, unknown> = { limit: '5' };
    assert.equal(query(data), true);
    assert.equal(data.limit, 5);
  });

  it('when a value is not a string, then findNul ignores it', () => {
    assert.equal(findNul({ a: 1, b: null, c: [true, { d: 'x' }] }), null);
  });
});
