/**
 * What a member of staff may do. A role is a set of permissions; every /v1 route names the one
 * it needs.
 */
export const PERMISSIONS = [
  'studio:read',
  'studio:manage',
  'staff:read',
  'staff:manage',
  'clients:read',
  'clients:write',
  'clients:audit',
  // Bringing a whole client list in at once: the owner's, a manager's and the desk's.
  'clients:import',
  // Erasure (GDPR art. 17) cannot be undone: the owner's and managers', not the desk's.
  'clients:erase',
  'catalog:read',
  'catalog:manage',
  'sales:create',
  'credits:issue',
  'credits:adjust',
  'account_credit:manage',
  'bills:read',
  'payments:take',
  'payments:refund',
  'memberships:manage',
  'schedule:read',
  'schedule:manage',
  'enrollments:write',
  'enrollments:override',
  'attendance:write',
  'waivers:manage',
  // The outbound feed carries every client's contact details: the owner's and managers'.
  'feed:read',
  // The reports list money and personal data of every client at once.
  'reports:read',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'manager', 'front_desk', 'instructor'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  // Runs the studio day to day: everything but hiring staff and issuing their tokens.
  manager: PERMISSIONS.filter((permission) => permission !== 'staff:manage'),
  // The desk sells, takes payments and gives complimentary credits; correcting a grant, moving
  // account credit by hand and changing the catalog are a manager's.
  front_desk: [
    'studio:read',
    'clients:read',
    'clients:write',
    'clients:import',
    'catalog:read',
    'sales:create',
    'credits:issue',
    'bills:read',
    'payments:take',
    'memberships:manage',
    'schedule:read',
    'enrollments:write',
    'attendance:write',
    'reports:read',
  ],
  // An instructor reads the schedule and rosters and checks clients in.
  instructor: ['studio:read', 'clients:read', 'catalog:read', 'schedule:read', 'attendance:write'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
