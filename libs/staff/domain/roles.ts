/**
 * What a member of staff may do. A role is a set of permissions; every /v1 route names the one
 * it needs.
 */
export const PERMISSIONS = [
  'studio:read',
  'staff:read',
  'staff:manage',
  'clients:read',
  'clients:write',
  'clients:audit',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'manager', 'front_desk', 'instructor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  manager: ['studio:read', 'staff:read', 'clients:read', 'clients:write', 'clients:audit'],
  front_desk: ['studio:read', 'clients:read', 'clients:write'],
  instructor: ['studio:read', 'clients:read'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
