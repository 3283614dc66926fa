import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validatorCompiler } from '../../common/http/validation.ts';
import { CreateLinkBody, UpdateLinkBody } from './links.schemas.ts';

type Check = ((data: unknown) => boolean) & { errors?: { instancePath: string }[] | null };
const bodyCheck = (schema: object) => validatorCompiler({ schema, httpPart: 'body', method: 'POST', url: '/x' } as never) as unknown as Check;

describe('links request bodies', () => {
  it('when a create body names an owner, then validation drops it and the rest reaches the service', () => {
    const data: Record<string, unknown> = { url: 'https://example.com/', owner: 'bob', ownerId: 'bob', title: 't' };
    assert.equal(bodyCheck(CreateLinkBody)(data), true);
    assert.deepEqual(data, { url: 'https://example.com/', title: 't' });
  });

  it('when a patch body names an owner, then it is dropped; a wrong type is still a 400', () => {
    const patch = bodyCheck(UpdateLinkBody);
    const data: Record<string, unknown> = { owner: 'bob', title: null };
    assert.equal(patch(data), true);
    assert.deepEqual(data, { title: null });
    assert.equal(patch({ title: 5, owner: 'bob' }), false);
    assert.equal(patch.errors?.[0]?.instancePath, '/title');
  });
});
