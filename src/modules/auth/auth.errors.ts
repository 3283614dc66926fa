import { registerErrors } from '../../common/errors.ts';

/** The failures only auth reports (user and key administration). */
export const authErrors = registerErrors({
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  USER_EXISTS: { status: 409, title: 'User already exists' },
});

declare module '../../common/errors.ts' {
  interface ModuleErrors {
    auth: typeof authErrors;
  }
}
