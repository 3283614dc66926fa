import { Type, type Static } from 'typebox';

/** Who is calling: resolved by the auth module, carried on every authenticated request. */
export const PrincipalSchema = Type.Object({ id: Type.String(), name: Type.String(), isAdmin: Type.Boolean() });
export type Principal = Static<typeof PrincipalSchema>;
