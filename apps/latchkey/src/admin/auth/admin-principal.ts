/** Who is calling the admin API. */
export type AdminPrincipal =
  | { kind: 'admin-token'; scopes: string[] }
  | { kind: 'access-token'; clientId: string; subject: string; scopes: string[] };

export const ADMIN_SCOPE = 'admin';
