import assert from 'node:assert/strict';
import type { Reply } from './http.ts';
import type { Link, Problem } from './types.ts';

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Status first, with the body in the message: a bare "404 !== 200" explains nothing. */
export function assertStatus(res: Reply, status: number, what = ''): void {
  assert.equal(res.status, status, `${what} expected ${status}, got ${res.status}: ${res.text.slice(0, 500)}`);
}

/** An RFC 9457 problem with the given status, and no stack trace leaking out. */
export function assertProblem(res: Reply, status: number, what = ''): Problem {
  assertStatus(res, status, what);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, `${what} content-type`);
  assert.ok(!res.text.includes('    at '), `${what} leaks a stack trace: ${res.text}`);
  const body = res.body as Problem;
  assert.equal(typeof body.type, 'string', `${what} problem.type`);
  assert.equal(typeof body.title, 'string', `${what} problem.title`);
  assert.equal(body.status, status, `${what} problem.status`);
  assert.equal(typeof body.detail, 'string', `${what} problem.detail`);
  return body;
}

/** A 400 whose `errors` list names the offending field (in `field` or, for a missing one, in `message`). */
export function assertValidation(res: Reply, field: string, what = ''): Problem {
  const problem = assertProblem(res, 400, what);
  assert.ok(Array.isArray(problem.errors) && problem.errors.length > 0, `${what} has no errors[]: ${res.text}`);
  for (const error of problem.errors) {
    assert.equal(typeof error.field, 'string', `${what} errors[].field`);
    assert.equal(typeof error.message, 'string', `${what} errors[].message`);
  }
  const named = problem.errors.some((e) => e.field.includes(field) || e.message.includes(field));
  assert.ok(named, `${what} errors[] do not name "${field}": ${res.text}`);
  return problem;
}

/** Every field of the link JSON has the promised type; returns the link for further checks. */
export function assertLink(res: Reply, status: number, baseUrl: string): Link {
  assertStatus(res, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const link = res.body as Link;
  assert.equal(typeof link.id, 'string', 'id');
  assert.match(link.code, /^[A-Za-z0-9_-]{3,64}$/, 'code');
  assert.equal(link.shortUrl, `${baseUrl}/${link.code}`, 'shortUrl');
  assert.equal(typeof link.url, 'string', 'url');
  assert.ok(link.title === null || typeof link.title === 'string', 'title');
  assert.ok(Array.isArray(link.tags) && link.tags.every((t) => typeof t === 'string'), 'tags');
  assert.match(link.createdAt, ISO_UTC, 'createdAt');
  assert.match(link.updatedAt, ISO_UTC, 'updatedAt');
  assert.ok(link.expiresAt === null || ISO_UTC.test(link.expiresAt), `expiresAt ${link.expiresAt}`);
  assert.ok(link.maxClicks === null || Number.isInteger(link.maxClicks), 'maxClicks');
  assert.ok(Number.isInteger(link.clicks), 'clicks');
  assert.ok([301, 302, 307, 308].includes(link.redirectType), 'redirectType');
  assert.equal(typeof link.hasPassword, 'boolean', 'hasPassword');
  return link;
}

/** A redirect to exactly `location`. */
export function assertRedirect(res: Reply, location: string, status = 302): void {
  assertStatus(res, status, `redirect to ${location}:`);
  assert.equal(res.headers.get('location'), location);
}
