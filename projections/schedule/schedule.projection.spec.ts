import { randomUUID } from 'node:crypto';
import { clientStream, type ClientRegistered } from '@clientele/clients';
import { accountStream, type AccountEvent } from '@clientele/entitlements';
import type { Runtime } from '@clientele/runtime';
import { sessionStream, type SessionEvent } from '@clientele/scheduling';
import { openTestRuntime, type TestRuntime } from '../../test/support/test-runtime';
import {
  GetRoster,
  GetRosterHandler,
  ListClientBookings,
  ListClientBookingsHandler,
  ListClientRegistrations,
  ListClientRegistrationsHandler,
} from './roster.queries';

/**
 * The places of a session through what HTTP cannot yet produce: a hold that lapsed and was
 * booked again, a held bill paid later, a late cancel, a waitlisted place promoted, one that left
 * the waitlist, a refused booking. Events are appended as the workflow would.
 */
const studioId = randomUUID();
const sessionId = randomUUID();
const [ana, ben, cleo, dan, eve] = Array.from({ length: 5 }, () => randomUUID());
const enrollment = {
  anaLapsed: randomUUID(),
  ana: randomUUID(),
  ben: randomUUID(),
  cleo: randomUUID(),
  dan: randomUUID(),
  eve: randomUUID(),
};
const billId = randomUUID();
const metadata = {
  studioId,
  actor: { type: 'staff' as const, id: randomUUID() },
  correlationId: 'schedule.projection.spec',
  schemaVersion: 1,
};
const HOUR = 3_600_000;
const inHours = (hours: number) => new Date(Date.now() + hours * HOUR).toISOString();
const usd = (amount: number) => ({ amount, currency: 'USD' });

const hold = (clientId: string, enrollmentId: string, heldUntil: string): SessionEvent => ({
  type: 'SeatHeld',
  data: {
    sessionId,
    enrollmentId,
    clientId,
    channel: 'online',
    payWith: 'hold',
    heldUntil,
    makeUp: false,
  },
});
const waitlisted = (clientId: string, enrollmentId: string): SessionEvent => ({
  type: 'Waitlisted',
  data: { sessionId, enrollmentId, clientId, channel: 'studio', payWith: 'card' },
});
const released = (clientId: string, enrollmentId: string, reason: string): SessionEvent => ({
  type: 'HoldReleased',
  data: { sessionId, enrollmentId, clientId, reason },
});

const history: SessionEvent[] = [
  {
    type: 'SessionScheduled',
    data: {
      sessionId,
      studioId,
      classTypeId: randomUUID(),
      title: 'Reformer',
      format: 'in_person',
      eventType: 'pilates',
      startsAt: inHours(48),
      durationMinutes: 50,
      capacity: 2,
      instructorId: null,
      place: null,
      link: null,
      waiverId: null,
    },
  },
  // A booking that crashed after holding: it lapsed, and the client booked again.
  hold(ana, enrollment.anaLapsed, inHours(-1)),
  hold(ana, enrollment.ana, inHours(1)),
  {
    type: 'EnrollmentConfirmed',
    data: {
      sessionId,
      enrollmentId: enrollment.ana,
      clientId: ana,
      payment: { kind: 'hold', billId },
    },
  },
  hold(ben, enrollment.ben, inHours(1)),
  {
    type: 'EnrollmentConfirmed',
    data: {
      sessionId,
      enrollmentId: enrollment.ben,
      clientId: ben,
      payment: { kind: 'card', billId: randomUUID(), paymentId: randomUUID(), reference: 'r-1' },
    },
  },
  waitlisted(cleo, enrollment.cleo),
  waitlisted(dan, enrollment.dan),
  {
    type: 'EnrollmentCancelled',
    data: {
      sessionId,
      enrollmentId: enrollment.ben,
      clientId: ben,
      outcome: 'cancel_and_refund',
      late: true,
      giveBack: 'none',
      reason: 'sick',
    },
  },
  // The first on the waitlist gets the free place, held while it is paid.
  hold(cleo, enrollment.cleo, inHours(1)),
  released(dan, enrollment.dan, 'left the waitlist'),
  // Refused before it took a place: not a booking.
  hold(eve, enrollment.eve, inHours(1)),
  released(eve, enrollment.eve, 'payment refused'),
];

let opened: TestRuntime;
let runtime: Runtime;

beforeAll(async () => {
  opened = await openTestRuntime();
  runtime = opened.runtime;
  for (const [i, clientId] of [ana, ben, cleo, dan, eve].entries()) {
    const registered: ClientRegistered = {
      type: 'ClientRegistered',
      data: {
        clientId,
        studioId,
        registeredAt: new Date().toISOString(),
        personal: {
          firstName: ['Ana', 'Ben', 'Cleo', 'Dan', 'Eve'][i]!,
          lastName: 'Spec',
          email: `${i}@spec.example`,
          phone: null,
          birthday: null,
          address: null,
          username: null,
        },
      },
    };
    await runtime.store.append(clientStream(clientId), [{ ...registered, metadata }], {
      expectedRevision: 'no_stream',
    });
  }
  await runtime.store.append(
    sessionStream(sessionId),
    history.map((event) => ({ ...event, metadata })),
    { expectedRevision: 'no_stream' },
  );
  await appendAccount(ana, [
    {
      type: 'BillIssued',
      data: {
        clientId: ana,
        billId,
        origin: { kind: 'booking', sessionId, enrollmentId: enrollment.ana },
        lines: [{ description: 'Reformer', amount: usd(2500) }],
        total: usd(2500),
        dueOn: inHours(48).slice(0, 10),
      },
    },
  ]);
  await runtime.runner.catchUp();
});
afterAll(() => opened.close());

async function appendAccount(clientId: string, events: AccountEvent[]) {
  await runtime.store.append(
    accountStream(clientId),
    events.map((event) => ({ ...event, metadata })),
    { expectedRevision: 'any' },
  );
}

const roster = () =>
  new GetRosterHandler(runtime.db).execute(new GetRoster(studioId, sessionId, new Date()));
const bookings = (clientId: string) =>
  new ListClientBookingsHandler(runtime.db).execute(
    new ListClientBookings(studioId, clientId, 50, undefined, new Date()),
  );
const registrations = (clientId: string) =>
  new ListClientRegistrationsHandler(runtime.db).execute(
    new ListClientRegistrations(studioId, clientId, 'upcoming', 50, undefined, new Date()),
  );

describe('the schedule projection’s places', () => {
  it('seats the paid and the held in order of arrival; a lapsed hold is replaced', async () => {
    await expect(
      new GetRosterHandler(runtime.db).execute(new GetRoster(randomUUID(), sessionId, new Date())),
    ).rejects.toMatchObject({ kind: 'not_found' });
    const { counts, places } = await roster();
    expect(counts).toEqual({ enrolled: 1, held: 1, waitlisted: 0, spotsLeft: 0 });
    expect(places.map((p) => [p.enrollmentId, p.status, p.paymentStatus])).toEqual([
      [enrollment.ana, 'confirmed', 'due'],
      [enrollment.cleo, 'held', null],
    ]);
    expect(places[0]!.bill).toEqual({ billId, total: usd(2500), due: usd(2500) });
    const lapsed = await runtime.db.kysely
      .selectFrom('session_places')
      .select('status')
      .where('enrollment_id', '=', enrollment.anaLapsed)
      .executeTakeFirstOrThrow();
    expect(lapsed.status).toBe('released');
  });

  it('asks for the payment of a held bill until it is paid', async () => {
    expect((await registrations(ana)).items.map((r) => r.requires)).toEqual([['payment']]);

    await appendAccount(ana, [
      {
        type: 'PaymentRecorded',
        data: {
          clientId: ana,
          paymentId: randomUUID(),
          billId,
          amount: usd(2500),
          method: 'cash',
          reference: null,
          accountCreditAfter: null,
        },
      },
      { type: 'BillPaid', data: { clientId: ana, billId } },
    ]);
    await runtime.runner.catchUp();
    expect((await registrations(ana)).items.map((r) => r.requires)).toEqual([[]]);
    expect((await roster()).places[0]).toMatchObject({
      firstName: 'Ana',
      paymentStatus: 'paid',
      bill: { due: usd(0) },
    });
  });

  it('keeps every booking in the history, and leaves out what never took a place', async () => {
    expect((await bookings(ana)).items.map((b) => b.enrollmentId)).toEqual([enrollment.ana]);
    expect((await bookings(ben)).items).toEqual([
      expect.objectContaining({
        status: 'cancelled',
        cancelledLate: true,
        penalty: 'late_cancel',
        refunded: false,
        productUsed: { kind: 'card', name: null },
      }),
    ]);
    // Promoted from the waitlist: still the booking made for the waitlist.
    expect((await bookings(cleo)).items).toEqual([
      expect.objectContaining({ status: 'held', channel: 'studio' }),
    ]);
    expect((await bookings(dan)).items).toEqual([
      expect.objectContaining({ status: 'released', productUsed: null }),
    ]);
    expect((await bookings(eve)).items).toEqual([]);
  });
});
