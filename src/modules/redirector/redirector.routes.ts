import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../common/errors.ts';
import { noContent, problems, ProblemRef } from '../../common/http/docs.ts';
import { sendProblem, type App } from '../../common/http/server.ts';
import { verifyPassword } from '../../common/password.ts';
import { compileTrust, fromTrustedPeer } from './redirector.fastpath.ts';
import { gonePage, notFoundPage, passwordPage } from './redirector.pages.ts';
import { CodeParams, PasswordBody, type UnlockRoute, type VisitRoute } from './redirector.schemas.ts';
import { visitFrom, type Redirector, type Visit } from './redirector.service.ts';

// What a visitor can get: a redirect, the password form, or a page or problem for a missing link.
const location = { Location: { type: 'string', description: 'The target URL, with the short URL’s query appended' } };
const redirect = (description: string) => ({ ...noContent(description), headers: location });
const pageOrProblem = (description: string) => ({
  description: `${description}: an HTML page for browsers (Accept: text/html), problem+json otherwise`,
  content: { 'application/problem+json': { schema: ProblemRef }, 'text/html': { schema: { type: 'string' } } },
});
const form = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const missing = { 404: pageOrProblem('No link with this code'), 410: pageOrProblem('The link has expired or reached its click limit') };
const redirects = {
  301: redirect('Redirect, when the link’s redirectType is 301'),
  302: redirect('Redirect (the default redirectType)'),
  307: redirect('Redirect, when the link’s redirectType is 307'),
  308: redirect('Redirect, when the link’s redirectType is 308'),
};
const visitResponses = {
  200: form('A password-protected link: the password form'),
  ...redirects,
  ...problems(400),
  ...missing,
  ...problems(503),
};
const unlockResponses = {
  // Always 303, whatever the link's redirectType: a 307/308 would make the browser re-send the password to the target.
  303: redirect('The right password (or no password needed): a redirect the browser follows with GET'),
  401: form('A wrong password: the form again'),
  ...problems(400, 413, 415, 429),
  ...missing,
  ...problems(503),
};

type Trust = ReturnType<typeof compileTrust>;

function visitOf(request: FastifyRequest<VisitRoute>, trust: Trust): Visit {
  const q = request.url.indexOf('?');
  const query = q === -1 ? '' : request.url.slice(q + 1);
  return visitFrom(request.params.code, query, request.ip, request.method, request.headers, fromTrustedPeer(request.raw, trust));
}

const wantsHtml = (request: FastifyRequest) => (request.headers.accept ?? '').includes('text/html');

function answerMissing(request: FastifyRequest<VisitRoute>, reply: FastifyReply, gone: boolean): FastifyReply {
  if (wantsHtml(request)) {
    return reply.code(gone ? 410 : 404).type('text/html; charset=utf-8').send(gone ? gonePage() : notFoundPage());
  }
  const { code } = request.params;
  return sendProblem(
    reply,
    gone
      ? new AppError('LINK_GONE', `The link ${code} has expired or reached its click limit.`)
      : new AppError('LINK_NOT_FOUND', `No link with code ${code}.`),
  );
}

/** GET|HEAD /r/:code and /:code, plus POST for password-protected links. */
export interface RedirectorRoutesOptions {
  redirector: Redirector;
  countRedirect: (status: number) => void;
  /** TRUST_PROXY: only peers it trusts may set the visitor's country through headers. */
  trustProxy: string;
}

export async function redirectorRoutes(app: App, { redirector, countRedirect, trustProxy }: RedirectorRoutesOptions) {
  const trust = compileTrust(trustProxy);
  // The password form posts urlencoded; only this plugin's routes accept it.
  await app.register(formbody);
  app.addHook('onResponse', (_request, reply, done) => {
    countRedirect(reply.statusCode);
    done();
  });
  async function follow(request: FastifyRequest<VisitRoute>, reply: FastifyReply, visit: Visit) {
    const outcome = await redirector.decide(visit);
    switch (outcome.kind) {
      case 'not-found':
        return answerMissing(request, reply, false);
      case 'gone':
        return answerMissing(request, reply, true);
      case 'password':
        return reply
          .code(visit.unlocked === false ? 401 : 200)
          .type('text/html; charset=utf-8')
          .send(passwordPage(visit.code, visit.unlocked === false));
      case 'redirect':
        // Answered once the click is journaled (the end of this event-loop turn), so no redirect goes out unrecorded.
        await new Promise<void>((answer) => redirector.record(outcome.link, visit, answer, outcome.target));
        // After the password form, 303: a 307/308 would make the browser re-post the password to the target.
        return reply.code(request.method === 'POST' ? 303 : outcome.link.redirectType).header('location', outcome.location).send();
    }
  }

  const schema = { tags: ['redirects'], security: [], params: CodeParams, response: visitResponses };
  const onGet = (request: FastifyRequest<VisitRoute>, reply: FastifyReply) =>
    follow(request, reply, visitOf(request, trust));

  async function onPassword(request: FastifyRequest<UnlockRoute>, reply: FastifyReply) {
    const visit = visitOf(request, trust);
    const outcome = await redirector.decide(visit);
    if (outcome.kind !== 'password') return follow(request, reply, visit);
    const unlocked = await verifyPassword(request.body.password, outcome.link.passwordHash ?? '');
    return follow(request, reply, { ...visit, unlocked });
  }

  const unlock = { ...schema, consumes: ['application/x-www-form-urlencoded', 'application/json'], body: PasswordBody, response: unlockResponses };
  const short = 'Follow a short URL (also HEAD)';
  app.get('/r/:code', { schema: { ...schema, operationId: 'visit', summary: short } }, onGet);
  app.get('/:code', { schema: { ...schema, operationId: 'visitShort', summary: `${short}; the same as /r/{code}` } }, onGet);
  app.post('/r/:code', { config: { limit: 'password' }, schema: { ...unlock, operationId: 'unlock', summary: 'Submit the password form of a protected link' } }, onPassword);
  app.post('/:code', { config: { limit: 'password' }, schema: { ...unlock, operationId: 'unlockShort', summary: 'Submit the password form; the same as /r/{code}' } }, onPassword);
}
