import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError, errorCodes, fromProblem, isTransientDatabaseError, registerErrors, toProblem } from './errors.ts';

const _sampleErrors = registerErrors({ SAMPLE_GONE: { status: 410, title: 'Sample gone' } });
declare module './errors.ts' {
  interface ModuleErrors {
    sample: typeof _sampleErrors;
  }
}

describe('module error codes', () => {
  it('when a module registers a code, then it has its status and title on the wire and comes back as itself', () => {
    const problem = toProblem(new AppError('SAMPLE_GONE', 'It went.'));
    assert.deepEqual([problem.status, problem.title, problem.code, problem.type], [410, 'Sample gone', 'SAMPLE_GONE', 'https://morphlink.dev/problems/sample-gone']);
    const back = fromProblem(JSON.parse(JSON.stringify(problem)), 410);
    assert.deepEqual([back.code, back.status, back.message], ['SAMPLE_GONE', 410, 'It went.']);
    assert.ok(errorCodes().includes('SAMPLE_GONE') && errorCodes().includes('VALIDATION'));
  });

  it('when a code is registered again with another status or title, then registration throws; the same spec is fine', () => {
    assert.throws(() => registerErrors({ SAMPLE_GONE: { status: 404, title: 'Sample gone' } }), /already registered/);
    assert.throws(() => registerErrors({ VALIDATION: { status: 400, title: 'Bad' } }), /already registered/);
    assert.doesNotThrow(() => registerErrors({ SAMPLE_GONE: { status: 410, title: 'Sample gone' } }));
  });

  it('when a peer answers a code this process does not know, then the status picks a generic code', () => {
    assert.deepEqual([fromProblem({ code: 'NO_SUCH_CODE', detail: 'x' }, 404).code, fromProblem(undefined, 502).code], ['NOT_FOUND', 'UNAVAILABLE']);
  });
});

const withCode = (message: string, code?: string) => Object.assign(new Error(message), code === undefined ? {} : { code });

describe('isTransientDatabaseError', () => {
  it('when the database is locked, timed out, restarting or unreachable, then the failure is transient (503)', () => {
    for (const error of [
      withCode('database is locked', 'SQLITE_BUSY'),
      withCode('database table is locked', 'SQLITE_LOCKED'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('connection failure', '08006'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('Connection terminated unexpectedly'),
      withCode('timeout exceeded when trying to connect'),
      withCode('Query read timeout'),
    ]) {
      assert.equal(isTransientDatabaseError(error), true, error.message);
    }
  });

  it('when the failure is a bug or bad data, then it is not transient (it stays a 500)', () => {
    for (const error of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('syntax error at or near "selec"', '42601'),
      withCode('UNIQUE constraint failed: links.code', 'SQLITE_CONSTRAINT_UNIQUE'),
      withCode('Cannot read properties of undefined'),
      withCode('Connection terminated unexpectedly', '42P01'),
    ]) {
      assert.equal(isTransientDatabaseError(error), false, error.message);
    }
    assert.equal(isTransientDatabaseError('Connection terminated'), false, 'not an Error');
  });
});
