import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatorCompiler } from '../../common/http/validation.ts';
import { CreateUserBody, CredentialSchema } from './auth.schemas.ts';

const bodyCheck = (schema: object) =>
  validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '/x' } as never) as unknown as (data: unknown) => boolean;

describe('auth request bodies', () => {
  it('when a peer sends either credential, then each passes unchanged', () => {
    const verify = bodyCheck(CredentialSchema);
    for (const credential of [{ apiKey: 'mlk_abc' }, { userName: 'alice' }]) {
      const data = { ...credential };
      assert.equal(verify(data), true, JSON.stringify(credential));
      assert.deepEqual(data, credential);
    }
    assert.equal(verify({}), false);
  });

  it('when a create-user body has an unknown member, then it is dropped', () => {
    const data: Record<string, unknown> = { name: 'carol', admin: false, isAdmin: true };
    assert.equal(bodyCheck(CreateUserBody)(data), true);
    assert.deepEqual(data, { name: 'carol', admin: false });
  });
});
