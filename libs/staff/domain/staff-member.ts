import {
  assertNever,
  InvalidInput,
  NotFound,
  RuleViolation,
  type Decider,
} from '@clientele/shared';
import { isRole, type Role } from './roles';

export const staffStream = (staffId: string) => `staff-${staffId}`;

export type StaffEvent =
  | {
      type: 'StaffMemberAdded';
      data: { staffId: string; studioId: string; name: string; email: string; role: Role };
    }
  | { type: 'StaffRoleChanged'; data: { staffId: string; role: Role } }
  | {
      type: 'StaffTokenIssued';
      /** Only the SHA-256 of the token is kept: the token itself is shown once. */
      data: { staffId: string; tokenId: string; tokenHash: string; label: string };
    }
  | { type: 'StaffTokenRevoked'; data: { staffId: string; tokenId: string } };

export type StaffCommand =
  | {
      type: 'AddStaffMember';
      data: { staffId: string; studioId: string; name: string; email: string; role: string };
    }
  | { type: 'ChangeStaffRole'; data: { staffId: string; studioId: string; role: string } }
  | {
      type: 'IssueStaffToken';
      data: {
        staffId: string;
        studioId: string;
        tokenId: string;
        tokenHash: string;
        label: string;
      };
    }
  | { type: 'RevokeStaffToken'; data: { staffId: string; studioId: string; tokenId: string } };

export type StaffState =
  | { status: 'none' }
  | {
      status: 'active';
      staffId: string;
      studioId: string;
      role: Role;
      tokens: ReadonlyMap<string, { revoked: boolean }>;
    };

export class StaffMemberMustNotBeAddedTwice extends RuleViolation {
  constructor(staffId: string) {
    super('staff_member_already_exists', `Staff member ${staffId} already exists.`);
  }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function checkRole(role: string): Role {
  if (!isRole(role)) {
    throw new InvalidInput('Unknown role.', [
      { field: 'role', message: 'must be one of owner, manager, front_desk, instructor' },
    ]);
  }
  return role;
}

export const staffDecider: Decider<StaffCommand, StaffEvent, StaffState> = {
  initialState: { status: 'none' },
  evolve(state, event) {
    switch (event.type) {
      case 'StaffMemberAdded':
        return { status: 'active', ...event.data, tokens: new Map() };
      case 'StaffRoleChanged':
        return state.status === 'active' ? { ...state, role: event.data.role } : state;
      case 'StaffTokenIssued':
      case 'StaffTokenRevoked': {
        if (state.status !== 'active') return state;
        const tokens = new Map(state.tokens);
        tokens.set(event.data.tokenId, { revoked: event.type === 'StaffTokenRevoked' });
        return { ...state, tokens };
      }
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    if (command.type === 'AddStaffMember') {
      if (state.status !== 'none') throw new StaffMemberMustNotBeAddedTwice(command.data.staffId);
      const { staffId, studioId } = command.data;
      const name = command.data.name.trim();
      const email = command.data.email.trim();
      const errors = [];
      if (name.length === 0) errors.push({ field: 'name', message: 'must not be empty' });
      if (!EMAIL.test(email)) errors.push({ field: 'email', message: 'must be an email address' });
      if (errors.length > 0) throw new InvalidInput('The staff member is not valid.', errors);
      const role = checkRole(command.data.role);
      return [{ type: 'StaffMemberAdded', data: { staffId, studioId, name, email, role } }];
    }
    if (state.status !== 'active' || state.studioId !== command.data.studioId) {
      throw new NotFound('staff_member', command.data.staffId);
    }
    switch (command.type) {
      case 'ChangeStaffRole': {
        const role = checkRole(command.data.role);
        return role === state.role
          ? []
          : [{ type: 'StaffRoleChanged', data: { staffId: state.staffId, role } }];
      }
      case 'IssueStaffToken': {
        const { tokenId, tokenHash, label } = command.data;
        return [
          { type: 'StaffTokenIssued', data: { staffId: state.staffId, tokenId, tokenHash, label } },
        ];
      }
      case 'RevokeStaffToken': {
        const token = state.tokens.get(command.data.tokenId);
        if (!token) throw new NotFound('token', command.data.tokenId);
        if (token.revoked) return [];
        return [
          {
            type: 'StaffTokenRevoked',
            data: { staffId: state.staffId, tokenId: command.data.tokenId },
          },
        ];
      }
      default:
        return assertNever(command);
    }
  },
};
