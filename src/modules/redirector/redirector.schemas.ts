import { Type, type Static } from 'typebox';
import { CodeParams } from '../links/index.ts';

/** The redirector's request shapes; the short code is the links module's. */
export { CodeParams };
export type CodeParamsType = Static<typeof CodeParams>;

/** The password form (urlencoded from a browser, or JSON). Other form fields are dropped. */
export const PasswordBody = Type.Object({ password: Type.String({ maxLength: 256 }) }, { additionalProperties: false });

/** POST /internal/cache/invalidate: the links service says this code changed. */
export const InvalidateBody = Type.Object({ code: Type.String({ maxLength: 64 }) }, { additionalProperties: false });

/** What a visit route's request carries, for the handlers shared by GET and POST. */
export interface VisitRoute {
  Params: CodeParamsType;
}
export interface UnlockRoute extends VisitRoute {
  Body: Static<typeof PasswordBody>;
}
