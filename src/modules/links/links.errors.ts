import { registerErrors } from '../../common/errors.ts';

/** The failures only links reports; the redirector answers LINK_NOT_FOUND and LINK_GONE too. */
export const linksErrors = registerErrors({
  INVALID_URL: { status: 400, title: 'Invalid URL' },
  BLOCKED_DOMAIN: { status: 400, title: 'Blocked domain' },
  INVALID_CODE: { status: 400, title: 'Invalid short code' },
  LINK_NOT_FOUND: { status: 404, title: 'Link not found' },
  CODE_TAKEN: { status: 409, title: 'Short code taken' },
  LINK_GONE: { status: 410, title: 'Link no longer available' },
});

declare module '../../common/errors.ts' {
  interface ModuleErrors {
    links: typeof linksErrors;
  }
}
