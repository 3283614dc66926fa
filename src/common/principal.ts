/** Who is calling: resolved by the auth module, carried on every authenticated request. */
export interface Principal {
  id: string;
  name: string;
  isAdmin: boolean;
}
