import { InvalidInput, NotFound } from '@clientele/shared';
import { deciderSpec } from '@clientele/shared/testing/decider-spec';
import { roleAllows } from './roles';
import { staffDecider, StaffMemberMustNotBeAddedTwice, type StaffEvent } from './staff-member';
import { studioDecider, StudioMustNotBeCreatedTwice } from './studio';

const studioId = 'studio-1';
const staffId = 'staff-1';
const added: StaffEvent = {
  type: 'StaffMemberAdded',
  data: { staffId, studioId, name: 'Olive Owner', email: 'owner@example.com', role: 'owner' },
};
const issued: StaffEvent = {
  type: 'StaffTokenIssued',
  data: { staffId, tokenId: 't1', tokenHash: 'h', label: 'desk' },
};

describe('a studio', () => {
  const spec = deciderSpec(studioDecider);
  const create = (data: Partial<{ name: string; currency: string; timezone: string }> = {}) => ({
    type: 'CreateStudio' as const,
    data: {
      studioId,
      name: 'Sunrise Yoga',
      currency: 'USD',
      timezone: 'America/New_York',
      ...data,
    },
  });

  it('is created with a currency and a time zone', () => {
    spec
      .given([])
      .when(create())
      .then([{ type: 'StudioCreated', data: create().data }]);
  });

  it('is created once', () => {
    spec
      .given([{ type: 'StudioCreated', data: create().data }])
      .when(create())
      .thenThrows(StudioMustNotBeCreatedTwice);
  });

  it.each([
    [{ currency: 'usd' }, 'currency'],
    [{ currency: 'XYZ' }, 'currency'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ name: ' ' }, 'name'],
  ])('refuses %j', (input, field) => {
    spec
      .given([])
      .when(create(input))
      .thenThrows(InvalidInput, (e) => expect(e.errors[0]!.field).toBe(field));
  });

  it('sets its late-cancel window, once per change, within two weeks', () => {
    const created = { type: 'StudioCreated' as const, data: create().data };
    const policy = (lateCancelMinutes: number) => ({
      type: 'SetBookingPolicy' as const,
      data: { studioId, lateCancelMinutes },
    });
    spec
      .given([created])
      .when(policy(240))
      .then([{ type: 'BookingPolicySet', data: { studioId, lateCancelMinutes: 240 } }]);
    // Twelve hours is the window until one is set: setting it changes nothing.
    spec.given([created]).when(policy(720)).then([]);
    spec.given([created]).when(policy(20161)).thenThrows(InvalidInput);
    spec.given([created]).when(policy(-1)).thenThrows(InvalidInput);
    spec.given([]).when(policy(60)).thenThrows(NotFound);
  });
});

describe('a staff member', () => {
  const spec = deciderSpec(staffDecider);

  it('is added with a role', () => {
    spec
      .given([])
      .when({ type: 'AddStaffMember', data: { ...added.data, role: 'owner' } })
      .then([added]);
  });

  it('is added once', () => {
    spec
      .given([added])
      .when({ type: 'AddStaffMember', data: { ...added.data } })
      .thenThrows(StaffMemberMustNotBeAddedTwice);
  });

  it('must have a known role', () => {
    spec
      .given([])
      .when({ type: 'AddStaffMember', data: { ...added.data, role: 'janitor' } })
      .thenThrows(InvalidInput);
  });

  it('gets tokens, which can be revoked once', () => {
    spec
      .given([added])
      .when({
        type: 'IssueStaffToken',
        data: { staffId, studioId, tokenId: 't1', tokenHash: 'h', label: 'desk' },
      })
      .then([issued]);
    spec
      .given([added, issued])
      .when({ type: 'RevokeStaffToken', data: { staffId, studioId, tokenId: 't1' } })
      .then([{ type: 'StaffTokenRevoked', data: { staffId, tokenId: 't1' } }]);
    spec
      .given([added, issued, { type: 'StaffTokenRevoked', data: { staffId, tokenId: 't1' } }])
      .when({ type: 'RevokeStaffToken', data: { staffId, studioId, tokenId: 't1' } })
      .then([]);
  });

  it('is unknown to another studio', () => {
    spec
      .given([added])
      .when({ type: 'ChangeStaffRole', data: { staffId, studioId: 'other', role: 'manager' } })
      .thenThrows(NotFound);
  });
});

describe('roles', () => {
  it('let the front desk register clients but not manage staff', () => {
    expect(roleAllows('front_desk', 'clients:write')).toBe(true);
    expect(roleAllows('front_desk', 'staff:manage')).toBe(false);
    expect(roleAllows('instructor', 'clients:write')).toBe(false);
    expect(roleAllows('owner', 'staff:manage')).toBe(true);
  });
});
