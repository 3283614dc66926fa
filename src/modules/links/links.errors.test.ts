import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, toProblem } from '../../common/errors.ts';
import { problemSchema } from '../../common/http/docs.ts';
import { linksErrors } from './index.ts';

describe('links error codes', () => {
  it('when the links module is loaded, then the Problem schema lists its codes beside the generic ones', () => {
    const { enum: codes } = problemSchema().properties.code as unknown as { enum: string[] };
    for (const code of [...Object.keys(linksErrors), 'VALIDATION', 'NOT_FOUND']) assert.ok(codes.includes(code), code);
    assert.equal(codes.includes('WRONG_PASSWORD'), false, 'unused codes are gone');
  });

  it('when links throws its codes, then the wire statuses are the ones the API has always answered', () => {
    const wire = (['INVALID_URL', 'BLOCKED_DOMAIN', 'INVALID_CODE', 'LINK_NOT_FOUND', 'CODE_TAKEN', 'LINK_GONE'] as const).map((code) => toProblem(new AppError(code, 'x')));
    assert.deepEqual(wire.map((p) => p.status), [400, 400, 400, 404, 409, 410]);
    assert.deepEqual(Object.keys(linksErrors).sort(), wire.map((p) => p.code).sort());
  });
});
