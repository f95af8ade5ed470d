import type { RecordedEvent } from '@clientele/eventstore';
import type { Actor, Money } from '@clientele/shared';

/**
 * The feed's public shape (docs/feed.md): a contract with integrations, kept stable while our
 * events change. Each public type names a fact in the studio's words and carries a documented
 * subset of its data; internal steps (a hold, a reservation, memos, claims) are left out.
 */
export interface FeedItem {
  /** The event's id: the same on every read, for a consumer to drop a repeat. */
  id: string;
  type: string;
  occurredAt: string;
  subject: { clientId?: string; sessionId?: string };
  data: Record<string, unknown>;
  actor: Actor;
}

type Data = Record<string, unknown>;
const money = (m: unknown): Money => {
  const { amount, currency } = m as Money;
  return { amount, currency };
};

/**
 * Of a client's personal data the feed carries names, email and phone only (what a mailing or
 * CRM integration needs to find the person) and only while the codec can open them: an erased
 * client's `personal` is null, so nothing is carried. Never a birthday, an address, memos,
 * custom fields, documents or signatures.
 */
function contact(personal: unknown): Data {
  if (!personal || typeof personal !== 'object') return {};
  const p = personal as Data;
  return Object.fromEntries(
    (['firstName', 'lastName', 'email', 'phone'] as const)
      .filter((key) => key in p)
      .map((key) => [key, p[key]]),
  );
}

/** An imported fact says where it came from: the import job, the file's name and the row. */
function imported(from: unknown): Data {
  if (!from || typeof from !== 'object') return {};
  const { jobId, fileName, row } = from as Data;
  return { importedFrom: { jobId, fileName, row } };
}

const pick = (d: Data, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => k in d).map((k) => [k, d[k]]));

/** The public type and data of each event we publish; absent ones are internal. */
const PUBLIC: Record<string, { type: string; data: (d: Data) => Data }> = {
  ClientRegistered: { type: 'client.registered', data: (d) => contact(d.personal) },
  ClientProfileUpdated: { type: 'client.updated', data: (d) => contact(d.personal) },
  ClientErased: { type: 'client.erased', data: () => ({}) },
  ClientMergedInto: { type: 'client.merged', data: (d) => pick(d, ['survivorId']) },
  ClientUnmerged: { type: 'client.unmerged', data: (d) => pick(d, ['survivorId']) },
  SaleRecorded: {
    type: 'sale.recorded',
    data: (d) => ({
      saleId: d.saleId,
      billId: d.billId,
      total: money(d.total),
      items: (d.lines as Data[]).map((l) => ({
        productId: l.productId,
        name: l.name,
        quantity: l.quantity,
        total: money(l.total),
      })),
    }),
  },
  BillIssued: {
    type: 'bill.issued',
    data: (d) => ({ billId: d.billId, total: money(d.total), dueOn: d.dueOn }),
  },
  BillPaid: { type: 'bill.paid', data: (d) => pick(d, ['billId']) },
  BillVoided: { type: 'bill.voided', data: (d) => ({ billId: d.billId, unpaid: money(d.unpaid) }) },
  PaymentRecorded: {
    type: 'payment.recorded',
    data: (d) => ({
      paymentId: d.paymentId,
      billId: d.billId,
      amount: money(d.amount),
      method: d.method,
    }),
  },
  PaymentRefunded: {
    type: 'payment.refunded',
    data: (d) => ({
      refundId: d.refundId,
      paymentId: d.paymentId,
      billId: d.billId,
      amount: money(d.amount),
    }),
  },
  PaymentFailed: {
    type: 'payment.failed',
    data: (d) => ({ paymentId: d.paymentId, billId: d.billId, amount: money(d.amount) }),
  },
  CreditsGranted: {
    type: 'credits.granted',
    data: (d) => ({
      ...pick(d, ['grantId', 'eventTypes', 'count', 'expiresAt']),
      ...imported((d.source as Data).importedFrom),
    }),
  },
  CreditGrantAdjusted: {
    type: 'credits.adjusted',
    data: (d) => pick(d, ['grantId', 'delta', 'countAfter']),
  },
  CreditsSpent: { type: 'credits.spent', data: (d) => pick(d, ['grantId', 'count']) },
  CreditsReturned: { type: 'credits.returned', data: (d) => pick(d, ['grantId', 'count']) },
  CreditsExpired: { type: 'credits.expired', data: (d) => pick(d, ['grantId', 'count']) },
  AccountCreditAdded: {
    type: 'account_credit.added',
    data: (d) => ({ amount: money(d.amount), balanceAfter: money(d.balanceAfter) }),
  },
  AccountCreditDeducted: {
    type: 'account_credit.deducted',
    data: (d) => ({ amount: money(d.amount), balanceAfter: money(d.balanceAfter) }),
  },
  MembershipStarted: {
    type: 'membership.started',
    data: (d) => ({
      ...pick(d, ['membershipId', 'productId', 'name', 'startsOn', 'nextPaymentDue']),
      price: money(d.price),
    }),
  },
  MembershipImported: {
    type: 'membership.imported',
    data: (d) => ({
      ...pick(d, ['membershipId', 'productId', 'name', 'startsOn', 'nextPaymentDue']),
      price: money(d.price),
      ...imported(d.importedFrom),
    }),
  },
  MembershipRenewed: {
    type: 'membership.renewed',
    data: (d) => pick(d, ['membershipId', 'billId', 'period', 'nextPaymentDue']),
  },
  MembershipFrozen: {
    type: 'membership.frozen',
    data: (d) => pick(d, ['membershipId', 'from', 'until']),
  },
  MembershipUnfrozen: { type: 'membership.unfrozen', data: (d) => pick(d, ['membershipId', 'on']) },
  MembershipCancelled: {
    type: 'membership.cancelled',
    data: (d) => pick(d, ['membershipId', 'effectiveOn']),
  },
  VodAccessGranted: {
    type: 'vod_access.granted',
    data: (d) => pick(d, ['accessId', 'productId', 'name', 'from', 'until']),
  },
  SessionScheduled: {
    type: 'session.scheduled',
    data: (d) =>
      pick(d, ['title', 'format', 'eventType', 'startsAt', 'durationMinutes', 'capacity']),
  },
  Waitlisted: { type: 'enrollment.waitlisted', data: (d) => pick(d, ['enrollmentId', 'channel']) },
  EnrollmentConfirmed: {
    type: 'enrollment.confirmed',
    data: (d) => ({ enrollmentId: d.enrollmentId, paidWith: (d.payment as Data).kind }),
  },
  EnrollmentCancelled: {
    type: 'enrollment.cancelled',
    data: (d) => pick(d, ['enrollmentId', 'outcome', 'late']),
  },
  EnrollmentRefunded: { type: 'enrollment.refunded', data: (d) => pick(d, ['enrollmentId']) },
  ClientCheckedIn: { type: 'attendance.checked_in', data: (d) => pick(d, ['enrollmentId']) },
  ClientMarkedNoShow: { type: 'attendance.no_show', data: (d) => pick(d, ['enrollmentId']) },
  WaiverSigned: {
    type: 'waiver.signed',
    data: (d) => ({
      waiverId: d.waiverId,
      version: d.version,
      signedAs: (d.signedBy as Data).as,
    }),
  },
  RelationshipAdded: {
    type: 'relationship.added',
    data: (d) => pick(d, ['otherClientId', 'role']),
  },
  RelationshipEnded: { type: 'relationship.ended', data: (d) => pick(d, ['otherClientId']) },
};

export const PUBLIC_TYPES: readonly string[] = Object.values(PUBLIC).map((p) => p.type);

/** The event as the feed publishes it, or null when it is internal. */
export function toFeedItem(event: RecordedEvent): FeedItem | null {
  const mapping = PUBLIC[event.type];
  if (!mapping) return null;
  const d = event.data as Data;
  const subject = {
    ...(typeof d.clientId === 'string' ? { clientId: d.clientId } : {}),
    ...(typeof d.sessionId === 'string' ? { sessionId: d.sessionId } : {}),
  };
  return {
    id: event.id,
    type: mapping.type,
    occurredAt: event.recordedAt.toISOString(),
    subject,
    data: mapping.data(d),
    actor: event.metadata.actor,
  };
}
