import { InvalidInput } from '@clientele/shared';
import { deciderSpec } from '../../shared/testing/decider-spec';
import {
  AlreadyRelated,
  relationshipDecider,
  relationshipId,
  roleOf,
  type RelationshipEvent,
} from './relationship';
import { fold } from '@clientele/shared';

const spec = deciderSpec(relationshipDecider);
const studioId = 'studio-1';
const id = relationshipId('ana', 'mia');
const anaIsMiasGuardian: RelationshipEvent = {
  type: 'RelationshipAdded',
  data: { relationshipId: id, studioId, clientId: 'mia', otherClientId: 'ana', role: 'guardian' },
};
const add = (clientId: string, otherClientId: string, role: 'guardian' | 'child' | 'partner') => ({
  type: 'AddRelationship' as const,
  data: { studioId, clientId, otherClientId, role },
});

describe('relationships between clients', () => {
  it('has one id for a pair, whichever client is named first', () => {
    expect(relationshipId('mia', 'ana')).toBe(id);
    expect(relationshipId('ana', 'bo')).not.toBe(id);
  });

  it('records a relationship once, told from either side', () => {
    spec
      .given([])
      .when(add('mia', 'ana', 'guardian'))
      .then([anaIsMiasGuardian]);
    spec
      .given([anaIsMiasGuardian])
      .when(add('mia', 'ana', 'guardian'))
      .then([]);
    // From Ana's side, Mia is her child: the same relationship.
    spec
      .given([anaIsMiasGuardian])
      .when(add('ana', 'mia', 'child'))
      .then([]);
  });

  it('shows each side its own role', () => {
    const state = fold(relationshipDecider, [anaIsMiasGuardian]);
    expect(roleOf(state, 'mia', 'ana')).toBe('guardian');
    expect(roleOf(state, 'ana', 'mia')).toBe('child');
    expect(roleOf(state, 'ana', 'bo')).toBeNull();
  });

  it('refuses another role while related, and a client related to themselves', () => {
    spec
      .given([anaIsMiasGuardian])
      .when(add('mia', 'ana', 'partner'))
      .thenThrows(AlreadyRelated, (e) => expect(e.code).toBe('relationship_exists'));
    spec
      .given([])
      .when(add('ana', 'ana', 'partner'))
      .thenThrows(InvalidInput);
  });

  it('ends once; a new relationship may follow', () => {
    const end = {
      type: 'EndRelationship' as const,
      data: { studioId, clientId: 'ana', otherClientId: 'mia' },
    };
    const ended: RelationshipEvent = {
      type: 'RelationshipEnded',
      data: { relationshipId: id, studioId, clientId: 'ana', otherClientId: 'mia' },
    };
    spec.given([anaIsMiasGuardian]).when(end).then([ended]);
    spec.given([anaIsMiasGuardian, ended]).when(end).then([]);
    spec
      .given([anaIsMiasGuardian, ended])
      .when(add('ana', 'mia', 'partner'))
      .then([
        {
          type: 'RelationshipAdded',
          data: {
            relationshipId: id,
            studioId,
            clientId: 'ana',
            otherClientId: 'mia',
            role: 'partner',
          },
        },
      ]);
  });
});
