import type { AccountEvent } from '@clientele/entitlements';
import type { RecordedEvent } from '@clientele/eventstore';
import { accountKeys, accountRows, foldAccountEvent, newBalanceRow } from './client-accounts.fold';

/**
 * The fold of a batch in memory: what used to be a statement per event on rows in the tables now
 * also meets rows an earlier event of the same batch created, changed or deleted.
 */
const clientId = 'acc0f01d-0000-4000-8000-0000000000c1';
const studioId = 'acc0f01d-0000-4000-8000-0000000000a1';
const billId = 'acc0f01d-0000-4000-8000-0000000000b1';
const paymentId = 'acc0f01d-0000-4000-8000-0000000000e1';
const usd = (amount: number) => ({ amount, currency: 'USD' });
let revision = 0;

function recorded(event: AccountEvent): RecordedEvent {
  revision += 1;
  return {
    ...event,
    revision,
    recordedAt: new Date(Date.UTC(2026, 11, 3, 9, revision)),
    metadata: { studioId, actor: { type: 'system', id: 'fold.spec' }, correlationId: 'fold.spec' },
  } as unknown as RecordedEvent;
}

const balance = () => newBalanceRow(clientId, studioId);

const billIssued = recorded({
  type: 'BillIssued',
  data: {
    clientId,
    billId,
    origin: { kind: 'sale', saleId: 'acc0f01d-0000-4000-8000-0000000000f1' },
    lines: [],
    total: usd(5000),
    dueOn: '2026-12-03',
  },
} as AccountEvent);

const paymentRecorded = (reference: string | null) =>
  recorded({
    type: 'PaymentRecorded',
    data: {
      clientId,
      paymentId,
      billId,
      amount: usd(5000),
      method: 'card',
      reference,
      accountCreditAfter: null,
    },
  } as AccountEvent);

describe('the account fold', () => {
  it('a charge confirmed by the processor and recorded in the same batch is not left listed', () => {
    const rows = accountRows({
      grants: [],
      bills: [],
      payments: [],
      memberships: [],
      unrecordedCharges: [],
    });
    const account = balance();
    foldAccountEvent(
      rows,
      recorded({
        type: 'ProcessorPaymentConfirmed',
        data: { clientId, reference: 'ch_1', amount: usd(5000), idempotencyKey: null },
      }),
      account,
    );
    expect(rows.unrecordedCharges.changed.has('ch_1')).toBe(true);
    foldAccountEvent(rows, billIssued, account);
    foldAccountEvent(rows, paymentRecorded('ch_1'), account);
    expect(rows.unrecordedCharges.rows.size).toBe(0);
    expect(rows.unrecordedCharges.changedRows()).toEqual([]);
    expect(rows.bills.rows.get(billId)?.paid).toBe(5000);
    expect(account.outstanding).toBe(0);
    // Confirmed again after it was recorded: nothing to list.
    foldAccountEvent(
      rows,
      recorded({
        type: 'ProcessorPaymentConfirmed',
        data: { clientId, reference: 'ch_1', amount: usd(5000), idempotencyKey: null },
      }),
      account,
    );
    expect(rows.unrecordedCharges.rows.size).toBe(0);
  });

  it('a lost dispute marks its dispute and reopens the paid bill, in the same batch', () => {
    const rows = accountRows({
      grants: [],
      bills: [],
      payments: [],
      memberships: [],
      unrecordedCharges: [],
    });
    const account = balance();
    foldAccountEvent(rows, billIssued, account);
    foldAccountEvent(rows, paymentRecorded(null), account);
    foldAccountEvent(rows, recorded({ type: 'BillPaid', data: { clientId, billId } }), account);
    const dispute = { clientId, paymentId, billId, disputeId: 'dp_1', amount: usd(2000) };
    foldAccountEvent(
      rows,
      recorded({ type: 'PaymentDisputed', data: { ...dispute, reason: 'fraudulent' } }),
      account,
    );
    foldAccountEvent(
      rows,
      recorded({ type: 'PaymentDisputeClosed', data: { ...dispute, outcome: 'lost' } }),
      account,
    );
    expect(rows.bills.rows.get(billId)).toMatchObject({ paid: 3000, status: 'open' });
    expect(account.outstanding).toBe(2000);
    expect(JSON.parse(rows.payments.rows.get(paymentId)!.disputes)).toEqual([
      expect.objectContaining({ disputeId: 'dp_1', reason: 'fraudulent', outcome: 'lost' }),
    ]);
  });

  it('an event on a grant not there changes no row, and still writes its ledger line', () => {
    const rows = accountRows({
      grants: [],
      bills: [],
      payments: [],
      memberships: [],
      unrecordedCharges: [],
    });
    const grantId = 'acc0f01d-0000-4000-8000-0000000000a2';
    const event = recorded({
      type: 'CreditsExpired',
      data: { clientId, grantId, count: 2 },
    } as AccountEvent);
    expect(accountKeys([event]).grantIds).toEqual(new Set([grantId]));
    foldAccountEvent(rows, event, balance());
    expect(rows.grants.changedRows()).toEqual([]);
    expect(rows.inserts.credit_ledger).toEqual([
      expect.objectContaining({ grant_id: grantId, kind: 'expired', change: -2 }),
    ]);
  });
});
