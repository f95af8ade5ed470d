import {
  assertNever,
  InvalidInput,
  RuleViolation,
  uuidFrom,
  type Decider,
} from '@clientele/shared';

/**
 * Two clients and what one is to the other: a guardian and their child, partners, family. One
 * stream per pair (`relationship-<id of the pair>`), so both sides are one decision and each
 * profile shows the other side without a second write.
 */
export type RelationshipRole = 'guardian' | 'child' | 'partner' | 'family';

export const RELATIONSHIP_ROLES: readonly RelationshipRole[] = [
  'guardian',
  'child',
  'partner',
  'family',
];

/** What `role` of B to A makes A to B: a guardian's child has them as guardian. */
export function reverseRole(role: RelationshipRole): RelationshipRole {
  if (role === 'guardian') return 'child';
  if (role === 'child') return 'guardian';
  return role;
}

/** The same id whichever of the two clients is named first. */
export function relationshipId(oneClientId: string, otherClientId: string): string {
  const [a, b] = [oneClientId, otherClientId].sort();
  return uuidFrom(`relationship:${a}:${b}`);
}

export const relationshipStream = (id: string) => `relationship-${id}`;

export type RelationshipEvent =
  | {
      /** `otherClientId` is `role` to `clientId` (and the reverse role the other way). */
      type: 'RelationshipAdded';
      data: {
        relationshipId: string;
        studioId: string;
        clientId: string;
        otherClientId: string;
        role: RelationshipRole;
      };
    }
  | {
      type: 'RelationshipEnded';
      data: { relationshipId: string; studioId: string; clientId: string; otherClientId: string };
    };

export type RelationshipCommand =
  | {
      type: 'AddRelationship';
      data: { studioId: string; clientId: string; otherClientId: string; role: RelationshipRole };
    }
  | {
      type: 'EndRelationship';
      data: { studioId: string; clientId: string; otherClientId: string };
    };

export type RelationshipState = {
  /** The role of `otherClientId` to `clientId`, while the two are related. */
  current: { clientId: string; otherClientId: string; role: RelationshipRole } | null;
};

/** What the other client is to `clientId`, or null when they are not related. */
export function roleOf(
  state: RelationshipState,
  clientId: string,
  otherClientId: string,
): RelationshipRole | null {
  const current = state.current;
  if (!current) return null;
  if (current.clientId === clientId && current.otherClientId === otherClientId) return current.role;
  if (current.clientId === otherClientId && current.otherClientId === clientId) {
    return reverseRole(current.role);
  }
  return null;
}

export class AlreadyRelated extends RuleViolation {
  constructor(role: RelationshipRole) {
    super(
      'relationship_exists',
      `These clients are already related (the other is their ${role}); end that relationship first.`,
      { role },
    );
  }
}

export const relationshipDecider: Decider<
  RelationshipCommand,
  RelationshipEvent,
  RelationshipState
> = {
  initialState: { current: null },
  evolve(_state, event) {
    switch (event.type) {
      case 'RelationshipAdded': {
        const { clientId, otherClientId, role } = event.data;
        return { current: { clientId, otherClientId, role } };
      }
      case 'RelationshipEnded':
        return { current: null };
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    const { studioId, clientId, otherClientId } = command.data;
    if (clientId === otherClientId) {
      throw new InvalidInput('A client cannot be related to themselves.', [
        { field: 'clientId', message: 'must be another client' },
      ]);
    }
    const existing = roleOf(state, clientId, otherClientId);
    const id = relationshipId(clientId, otherClientId);
    switch (command.type) {
      case 'AddRelationship': {
        if (existing === command.data.role) return [];
        if (existing) throw new AlreadyRelated(existing);
        return [
          {
            type: 'RelationshipAdded',
            data: {
              relationshipId: id,
              studioId,
              clientId,
              otherClientId,
              role: command.data.role,
            },
          },
        ];
      }
      case 'EndRelationship':
        if (!existing) return [];
        return [
          {
            type: 'RelationshipEnded',
            data: { relationshipId: id, studioId, clientId, otherClientId },
          },
        ];
      default:
        return assertNever(command);
    }
  },
};
