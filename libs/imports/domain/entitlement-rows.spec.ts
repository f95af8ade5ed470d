import { planColumns } from './column-mapping';
import {
  CREDIT_COLUMNS,
  MEMBERSHIP_COLUMNS,
  readCreditRow,
  readMembershipRow,
} from './entitlement-rows';

const options = { dateOrder: 'auto' as const, thisYear: 2026 };

describe('credits and memberships files', () => {
  it('match the headers other products export, in several languages', () => {
    expect(
      planColumns(
        ['Email', 'Pass', 'Credits left', 'Expiry date', 'Purchase date'],
        {},
        CREDIT_COLUMNS,
      ),
    ).toEqual({ email: 0, product: 1, remaining: 2, expiresOn: 3, purchasedOn: 4 });
    expect(
      planColumns(['E-Mail', 'Paket', 'Restguthaben', 'Gültig bis'], {}, CREDIT_COLUMNS),
    ).toEqual({ email: 0, product: 1, remaining: 2, expiresOn: 3 });
    expect(
      planColumns(['Client Email', 'Package', 'Remaining', 'Expires'], {}, CREDIT_COLUMNS),
    ).toEqual({ email: 0, product: 1, remaining: 2, expiresOn: 3 });
    expect(
      planColumns(
        ['Email', 'Membership', 'Start date', 'Next billing date', 'Freeze start', 'Freeze end'],
        {},
        MEMBERSHIP_COLUMNS,
      ),
    ).toEqual({
      email: 0,
      product: 1,
      startsOn: 2,
      nextPaymentDue: 3,
      freezeFrom: 4,
      freezeUntil: 5,
    });
    expect(
      planColumns(['Courriel', 'Abonnement', 'Début', 'Prochain paiement'], {}, MEMBERSHIP_COLUMNS),
    ).toEqual({ email: 0, product: 1, startsOn: 2, nextPaymentDue: 3 });
  });

  it('refuse a file lacking what it needs, naming each missing field', () => {
    // A "Credits" column could be the pack's size: it is never taken for what is left.
    expect(() => planColumns(['Email', 'Pass', 'Credits'], {}, CREDIT_COLUMNS)).toThrow(
      /cannot be matched to the fields of credits/,
    );
    let fields: string[] = [];
    try {
      planColumns(['Email', 'Freeze start'], {}, MEMBERSHIP_COLUMNS);
    } catch (error) {
      fields = (error as { errors: { field: string }[] }).errors.map((e) => e.field);
    }
    expect(fields).toEqual(['product', 'startsOn', 'nextPaymentDue', 'freezeUntil']);
    expect(planColumns(['Mail', 'Left', 'Kind'], { eventTypes: 'Kind' }, CREDIT_COLUMNS)).toEqual({
      email: 0,
      remaining: 1,
      eventTypes: 2,
    });
  });

  it('read credits: a count, dates with a two-digit year in this century, event types', () => {
    const plan = planColumns(
      ['Email', 'Pass', 'Left', 'Valid until', 'Bought', 'Event types'],
      { purchasedOn: 'Bought' },
      CREDIT_COLUMNS,
    );
    expect(
      readCreditRow(['zoe@example.com', '10 Classes', '4', '31.01.27', '02/10/2026', ''], plan, {
        ...options,
        dateOrder: 'dmy',
      }),
    ).toEqual({
      ok: true,
      row: {
        email: 'zoe@example.com',
        product: '10 Classes',
        eventTypes: [],
        remaining: 4,
        expiresOn: '2027-01-31',
        purchasedOn: '2026-10-02',
      },
    });
    expect(
      readCreditRow(['ann@example.com', '', '2.0', '', '', 'Yoga | Pilates'], plan, options),
    ).toMatchObject({
      ok: true,
      row: { product: null, eventTypes: ['yoga', 'pilates'], remaining: 2 },
    });
    expect(readCreditRow(['nope', '', 'four', 'soon', '', ''], plan, options)).toEqual({
      ok: false,
      reason:
        '"nope" is not an email address; the product is missing (or, for a plain count, the event types); "four" is not a number of credits; expiry date "soon" is a date format we cannot read (write YYYY-MM-DD)',
    });
    expect(readCreditRow(['a@example.com', 'P', '0', '', '', ''], plan, options)).toMatchObject({
      ok: false,
      reason: 'no credits are left: nothing to import',
    });
  });

  it('read memberships: a freeze needs both ends', () => {
    const plan = planColumns(
      ['Email', 'Membership', 'Start', 'Next payment', 'Pause start', 'Pause end'],
      {},
      MEMBERSHIP_COLUMNS,
    );
    expect(
      readMembershipRow(
        ['zoe@example.com', 'Monthly', '2025-03-10', '2026-12-10', '2026-11-01', '2026-12-01'],
        plan,
        options,
      ),
    ).toEqual({
      ok: true,
      row: {
        email: 'zoe@example.com',
        product: 'Monthly',
        startsOn: '2025-03-10',
        nextPaymentDue: '2026-12-10',
        freeze: { from: '2026-11-01', until: '2026-12-01' },
      },
    });
    expect(
      readMembershipRow(['zoe@example.com', 'Monthly', '', '', '2026-11-01', ''], plan, options),
    ).toEqual({
      ok: false,
      reason:
        'the start date is missing; the next payment date is missing; the freeze has a start but no end',
    });
  });
});
