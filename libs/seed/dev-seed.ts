import { randomUUID } from 'node:crypto';
import type { PaymentGateway } from '@clientele/billing';
import { CreateProduct, CreateProductHandler } from '@clientele/catalog';
import { RegisterClient, registerClients } from '@clientele/clients';
import {
  addDays,
  AdjustCreditGrant,
  AdjustCreditGrantHandler,
  BookingPayments,
  ChangeMembership,
  ChangeMembershipHandler,
  PayBill,
  PayBillHandler,
  RefundPayment,
  RefundPaymentHandler,
  SellProducts,
  SellProductsHandler,
} from '@clientele/entitlements';
import type { EventStore } from '@clientele/eventstore';
import {
  CancelEnrollment,
  CancelEnrollmentHandler,
  CheckInClient,
  CheckInClientHandler,
  CreateClassType,
  CreateClassTypeHandler,
  EnrollClient,
  EnrollClientHandler,
  ScheduleSession,
  ScheduleSessionHandler,
  type PayWith,
} from '@clientele/scheduling';
import { ClienteleError, InvalidInput, type RequestContext } from '@clientele/shared';
import { CreateStudio, CreateStudioHandler } from '@clientele/staff';
import {
  CreateWaiver,
  CreateWaiverHandler,
  SignWaiver,
  SignWaiverHandler,
} from '@clientele/waivers';
import {
  between,
  isoWeekday,
  pick,
  planClients,
  planDays,
  planStudios,
  prng,
  wallTime,
  type ClientPlan,
  type PackPlan,
  type StudioPlan,
} from './plan';

export interface SeedOptions {
  clients: number;
  months: number;
  studios: number;
  seed: number;
  /** The last simulated day (default: today): history ends about now. */
  until?: Date;
  /** Commands in flight at once, across clients. */
  concurrency?: number;
}

/** What the seed needs of the process that owns the database. */
export interface SeedPorts {
  store: EventStore;
  gateway: PaymentGateway;
  /**
   * Runs the account and booking upkeeps as of `now` (membership renewals, credit expiry,
   * no-shows of ended sessions), once their read models have reached the log.
   */
  upkeep(now: Date): Promise<{ renewals: number; expiredGrants: number; noShows: number }>;
  /** Brings every read model up to the log, and gives the planner their statistics. */
  catchUp(): Promise<void>;
  /** Events in the log, when the store can count them cheaply. */
  countEvents(): Promise<number | null>;
}

export interface SeedProgress {
  phase: 'days' | 'projections';
  done: number;
  total: number;
  events: number;
  clients: number;
}

export interface SeedSummary {
  studios: { studioId: string; name: string; token: string; clients: number }[];
  clients: number;
  products: number;
  sessions: number;
  sales: number;
  enrollments: number;
  cancellations: number;
  refunds: number;
  checkIns: number;
  noShows: number;
  waiversSigned: number;
  membershipRenewals: number;
  creditsExpired: number;
  /** Commands a rule refused (a plan that did not match the account): none expected. */
  refused: Record<string, number>;
  eventsAppended: number;
  seconds: number;
  eventsPerSecond: number;
  /** Of `seconds`, the time the read models took to reach the log at the end. */
  projectionSeconds: number;
}

/** What the options must be: whole numbers in range, said the way the CLI names them. */
export function validSeedOptions(args: Record<string, unknown>): SeedOptions {
  const errors: { field: string; message: string }[] = [];
  const whole = (name: string, fallback: number, low: number, high: number) => {
    const value = args[name] ?? fallback;
    const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < low || n > high) {
      errors.push({ field: name, message: `must be a whole number from ${low} to ${high}` });
      return fallback;
    }
    return n;
  };
  const options: SeedOptions = {
    clients: whole('clients', 100_000, 1, 10_000_000),
    months: whole('months', 12, 1, 60),
    studios: whole('studios', 4, 1, 50),
    seed: whole('seed', 1, 0, 2 ** 32 - 1),
    concurrency: whole('concurrency', 24, 1, 256),
  };
  if (args.until !== undefined) {
    const until = new Date(String(args.until));
    if (Number.isNaN(until.getTime())) {
      errors.push({ field: 'until', message: 'must be an ISO 8601 date' });
    } else {
      options.until = until;
    }
  }
  if (errors.length > 0) {
    throw new InvalidInput(
      `dev seed: ${errors.map((e) => `--${e.field} ${e.message}`).join('; ')}.`,
      errors,
    );
  }
  return options;
}

/** A step of a client's day, at its time; run in order with the client's other steps. */
type Step =
  | { kind: 'sign_waiver' }
  | { kind: 'buy'; product: 'membership' | PackPlan['key']; method: 'card' | 'cash' }
  | { kind: 'enroll'; session: string; payWith: PayWith }
  | { kind: 'cancel'; session: string }
  | { kind: 'check_in'; session: string }
  | { kind: 'refund_intro' }
  | { kind: 'cancel_membership' }
  | { kind: 'pay_bills' };

interface Planned {
  client: number;
  at: number;
  step: Step;
}

/** The generator's own book of a client: what it planned them to hold. */
interface ClientBook {
  plan: ClientPlan;
  /** Credits it planned them to hold: spent from the soonest to expire, as the account does. */
  grants: Grant[];
  /** Sessions they hold a place in: a client books a class once. */
  booked: Set<string>;
}

interface Grant {
  left: number;
  expiresAt: number;
  /** When they hold it: bought then, or given back by a cancel then. */
  from: number;
}

/** What the run learns from the answers, to name later commands by id. */
interface ClientIds {
  clientId: string;
  introPayment?: { paymentId: string; grantId: string; credits: number };
}

interface SessionSlot {
  key: string;
  studio: number;
  startsAt: number;
  capacity: number;
  /** Places the plan may book, a fill of 60 to 100%. */
  target: number;
  booked: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/**
 * The upkeeps run once a simulated week, not every minute: each run first brings two read models
 * up to the log, and what they decide (renewal periods, expiries, no-shows) is dated by the
 * accounts and sessions, not by when they ran.
 */
const UPKEEP_EVERY_DAYS = 7;
/** How far ahead the timetable is published. */
const SCHEDULED_AHEAD_DAYS = 14;

/**
 * Seeds a realistic multi-studio dataset through the real command handlers, day by day over
 * `months` ending about now. Each command carries the simulated time as its `now`, so
 * the deciders date sales, expiries, renewals and late cancels in the past; the store still
 * stamps each event's `recordedAt` with the real time it was written.
 */
export async function seedStudios(
  ports: SeedPorts,
  options: SeedOptions,
  onProgress: (progress: SeedProgress) => void = () => undefined,
): Promise<SeedSummary> {
  const started = Date.now();
  const eventsBefore = await ports.countEvents();
  const counted = countingStore(ports.store);
  const store = counted.store;
  const random = prng(options.seed);
  const days = planDays(options.until ?? new Date(), options.months);
  const studios = planStudios(random, options.studios, options.clients);
  const plans = planClients(random, studios, days.length);
  const books: ClientBook[] = [];
  for (const plan of plans) books[plan.index] = { plan, grants: [], booked: new Set() };
  const refused: Record<string, number> = {};
  const upkept = { renewals: 0, expiredGrants: 0, noShows: 0 };

  const handlers = {
    product: new CreateProductHandler(store),
    classType: new CreateClassTypeHandler(store),
    waiver: new CreateWaiverHandler(store),
    session: new ScheduleSessionHandler(store),
    sign: new SignWaiverHandler(store),
    sell: new SellProductsHandler(store, ports.gateway),
    enroll: new EnrollClientHandler(store, ports.gateway),
    cancel: new CancelEnrollmentHandler(store, ports.gateway),
    checkIn: new CheckInClientHandler(store),
    refund: new RefundPaymentHandler(store, ports.gateway),
    adjust: new AdjustCreditGrantHandler(store),
    membership: new ChangeMembershipHandler(store),
    pay: new PayBillHandler(store, ports.gateway),
  };
  const accounts = new BookingPayments(store, ports.gateway);

  // The studios, their catalogs and waivers, as their owners would set them up on day one.
  const opening = wallTime(days[0]!, 5 * 60, 'UTC');
  const opened = await Promise.all(
    studios.map(async (studio) => {
      const created = await new CreateStudioHandler(store).execute(
        new CreateStudio(
          {
            name: studio.name,
            currency: studio.currency,
            timezone: studio.timezone,
            ownerEmail: studio.ownerEmail,
            ownerName: 'Studio Owner',
          },
          opening,
        ),
      );
      const context = staffContext(created.studioId, opening);
      const money = (amount: number) => ({ amount, currency: studio.currency });
      const packs = new Map<string, string>();
      for (const pack of studio.packs) {
        const product = await handlers.product.execute(
          new CreateProduct(
            {
              kind: 'class_pack',
              name: pack.name,
              price: money(pack.price),
              credits: { count: pack.credits, eventTypes: [studio.eventType] },
              validityDays: pack.validityDays,
            },
            context,
          ),
        );
        packs.set(pack.key, product.id);
      }
      const membership = await handlers.product.execute(
        new CreateProduct(
          {
            kind: 'membership',
            name: studio.membership.name,
            price: money(studio.membership.price),
            billingPeriod: { unit: 'month', count: 1 },
            eventTypes: [studio.eventType],
            creditsPerPeriod: null,
          },
          context,
        ),
      );
      packs.set('membership', membership.id);
      const classTypes: string[] = [];
      for (const classType of studio.classTypes) {
        const created = await handlers.classType.execute(
          new CreateClassType(
            {
              name: classType.name,
              format: 'in_person',
              eventType: studio.eventType,
              dropInPrice: money(classType.dropInPrice),
            },
            context,
          ),
        );
        classTypes.push(created.classTypeId);
      }
      const waiver = await handlers.waiver.execute(
        new CreateWaiver(
          {
            title: 'Liability waiver',
            body: `I take part in classes at ${studio.name} at my own risk and will tell the instructor of any injury.`,
          },
          context,
        ),
      );
      return { ...created, products: packs, classTypes, waiverId: waiver.waiverId };
    }),
  );

  // The timetable, published two weeks ahead; places the plan may still book.
  const sessions = new Map<string, SessionSlot>();
  const sessionIds = new Map<string, string>();
  const sessionsOn = new Map<string, SessionSlot[]>();
  const slotsOf = (date: string) => {
    const slots: SessionSlot[] = [];
    studios.forEach((studio, s) => {
      studio.slots.forEach((slot, n) => {
        if (slot.weekday !== isoWeekday(date)) return;
        slots.push({
          key: `${s}:${date}:${n}`,
          studio: s,
          startsAt: wallTime(date, slot.startMinutes, studio.timezone).getTime(),
          capacity: slot.capacity,
          target: Math.max(1, Math.round(slot.capacity * (0.6 + 0.4 * random()))),
          booked: 0,
        });
      });
    });
    return slots;
  };
  const schedule = async (date: string, now: Date) => {
    const slots = slotsOf(date);
    sessionsOn.set(date, slots);
    await inPool(slots, options.concurrency ?? 24, async (slot) => {
      sessions.set(slot.key, slot);
      const studio = studios[slot.studio]!;
      const plan = studio.slots[Number(slot.key.split(':')[2])]!;
      const { sessionId } = await handlers.session.execute(
        new ScheduleSession(
          {
            classTypeId: opened[slot.studio]!.classTypes[plan.classType]!,
            startsAt: new Date(slot.startsAt).toISOString(),
            durationMinutes: plan.durationMinutes,
            capacity: plan.capacity,
            waiverId: opened[slot.studio]!.waiverId,
          },
          staffContext(opened[slot.studio]!.studioId, now),
        ),
      );
      sessionIds.set(slot.key, sessionId);
    });
  };
  /** The date `d` days from the start, also past the last simulated day. */
  const ahead = (d: number) => addDays(days[0]!, d);
  for (let d = 0; d < SCHEDULED_AHEAD_DAYS; d++) await schedule(ahead(d), opening);

  // What each day holds, planned as the days go: a step lands on the day of its time.
  const agenda = new Map<number, Planned[]>();
  const dayOf = (at: number) => Math.floor((at - Date.parse(`${days[0]}T00:00:00Z`)) / DAY);
  const plan = (client: number, at: number, step: Step) => {
    const day = Math.max(0, dayOf(at));
    let list = agenda.get(day);
    if (!list) agenda.set(day, (list = []));
    list.push({ client, at, step });
  };
  const ids: ClientIds[] = [];
  let registered = 0;
  let nextToRegister = 0;

  for (let d = 0; d < days.length; d++) {
    const date = days[d]!;
    // Staff publish the day two weeks out.
    if (d > 0) await schedule(ahead(d + SCHEDULED_AHEAD_DAYS - 1), wallTime(date, 6 * 60, 'UTC'));
    // Who signs up today: at the desk or online, through the day.
    const newcomers: ClientPlan[] = [];
    while (nextToRegister < plans.length && plans[nextToRegister]!.registeredOn === d) {
      newcomers.push(plans[nextToRegister++]!);
    }
    const joinedAt = new Map<number, number>();
    for (const client of newcomers) {
      const at = wallTime(date, between(random, 7 * 60, 20 * 60), studios[client.studio]!.timezone);
      joinedAt.set(client.index, at.getTime());
      planNewcomer(client, at.getTime());
    }
    // Who wants to come in the next two days books today.
    for (const book of books) {
      const client = book.plan;
      if (client.registeredOn > d || d > client.leavesOn || client.visitsLeft <= 0) continue;
      if (client.refundsIntro || random() >= client.rate) continue;
      const on = ahead(d + 1 + Math.floor(random() * 2));
      const open = (sessionsOn.get(on) ?? []).filter(
        (s) => s.studio === client.studio && s.booked < s.target && !book.booked.has(s.key),
      );
      if (open.length === 0) continue;
      const session = pick(random, open);
      const earliest = joinedAt.get(client.index) ?? 0;
      const at = Math.max(
        earliest + 2 * MINUTE,
        wallTime(
          date,
          between(random, 7 * 60, 21 * 60),
          studios[client.studio]!.timezone,
        ).getTime(),
      );
      if (at >= session.startsAt - HOUR) continue;
      planBooking(book, session, at);
    }
    const steps = agenda.get(d) ?? [];
    agenda.delete(d);

    await register(newcomers, joinedAt);
    registered += newcomers.length;
    await runDay(steps);
    if (d % UPKEEP_EVERY_DAYS === UPKEEP_EVERY_DAYS - 1 || d === days.length - 1) {
      // Once every studio's day has ended: no class is closed before its check-ins.
      const close = Math.min(
        ...studios.map((studio) => wallTime(date, 23 * 60 + 59, studio.timezone).getTime()),
      );
      const report = await ports.upkeep(new Date(close));
      upkept.renewals += report.renewals;
      upkept.expiredGrants += report.expiredGrants;
      upkept.noShows += report.noShows;
    }
    onProgress({
      phase: 'days',
      done: d + 1,
      total: days.length,
      events: counted.total(),
      clients: registered,
    });
  }

  const appended = Date.now();
  onProgress({
    phase: 'projections',
    done: 0,
    total: 1,
    events: counted.total(),
    clients: registered,
  });
  await ports.catchUp();
  onProgress({
    phase: 'projections',
    done: 1,
    total: 1,
    events: counted.total(),
    clients: registered,
  });
  const eventsAfter = await ports.countEvents();
  const seconds = (Date.now() - started) / 1000;
  const eventsAppended =
    eventsBefore !== null && eventsAfter !== null ? eventsAfter - eventsBefore : counted.total();
  const byType = counted.byType;
  return {
    studios: opened.map((studio, s) => ({
      studioId: studio.studioId,
      name: studios[s]!.name,
      token: studio.token,
      clients: studios[s]!.clients,
    })),
    clients: registered,
    products: studios.reduce((n, studio) => n + studio.packs.length + 1, 0),
    sessions: byType('SessionScheduled'),
    sales: byType('SaleRecorded'),
    enrollments: byType('EnrollmentConfirmed'),
    cancellations: byType('EnrollmentCancelled'),
    refunds: byType('PaymentRefunded'),
    checkIns: byType('ClientCheckedIn'),
    noShows: upkept.noShows,
    waiversSigned: byType('WaiverSigned'),
    membershipRenewals: upkept.renewals,
    creditsExpired: upkept.expiredGrants,
    refused,
    eventsAppended,
    seconds: round(seconds),
    eventsPerSecond: Math.round(eventsAppended / Math.max(0.001, (appended - started) / 1000)),
    projectionSeconds: round((Date.now() - appended) / 1000),
  };

  /** A newcomer's first visit: the waiver, and what their kind of client buys first. */
  function planNewcomer(client: ClientPlan, at: number) {
    const book = books[client.index]!;
    const studio = studios[client.studio]!;
    // Browsers sign up online; a third of them sign the waiver there too.
    if (client.persona !== 'browser' || random() < 0.33) {
      plan(client.index, at + MINUTE, { kind: 'sign_waiver' });
    }
    if (client.persona === 'pack') {
      plan(client.index, at + 2 * MINUTE, { kind: 'buy', product: 'intro', method: paidWith() });
      grant(book, pack(studio, 'intro'), at + 2 * MINUTE);
      if (client.refundsIntro) {
        // Changed their mind: the desk refunds the pack the next day and takes its credits back.
        plan(client.index, at + 20 * HOUR, { kind: 'refund_intro' });
        book.grants = [];
      }
    }
    if (client.persona === 'member') {
      plan(client.index, at + 2 * MINUTE, {
        kind: 'buy',
        product: 'membership',
        method: paidWith(),
      });
      const leaves = wallTime(ahead(client.leavesOn), 10 * 60, studio.timezone).getTime();
      plan(client.index, leaves, { kind: 'cancel_membership' });
      // The desk takes the month's payment on a visit once a week.
      for (let day = client.registeredOn + 7; day <= client.leavesOn + 35; day += 7) {
        plan(client.index, wallTime(ahead(day), 6 * 60 + 30, studio.timezone).getTime(), {
          kind: 'pay_bills',
        });
      }
      client.leavesOn -= 3;
    }
  }

  /** A place booked, paid as the client pays; then a check-in, a no-show, or a cancel. */
  function planBooking(book: ClientBook, session: SessionSlot, at: number) {
    const client = book.plan;
    const studio = studios[client.studio]!;
    let payWith: PayWith = 'card';
    if (client.persona === 'member') payWith = 'membership';
    let spent: Grant | null = null;
    if (client.persona === 'pack') {
      payWith = 'credit';
      spent = spend(book, at, session.startsAt);
      if (!spent) {
        const key = pick(random, ['five', 'ten', 'ten', 'ten', 'twenty'] as const);
        plan(client.index, at - MINUTE, { kind: 'buy', product: key, method: paidWith() });
        grant(book, pack(studio, key), at - MINUTE);
        spent = spend(book, at, session.startsAt);
      }
    }
    if (client.persona === 'drop_in') client.visitsLeft--;
    session.booked++;
    book.booked.add(session.key);
    plan(client.index, at, { kind: 'enroll', session: session.key, payWith });
    const roll = random();
    if (roll < 0.1) {
      // Cancelled in the app some time before the class: early ones get their credit back.
      const cancelAt = at + Math.floor(random() * (session.startsAt - 30 * MINUTE - at));
      plan(client.index, cancelAt, { kind: 'cancel', session: session.key });
      if (spent && session.startsAt - cancelAt >= 12 * HOUR) {
        book.grants.push({ left: 1, expiresAt: spent.expiresAt, from: cancelAt });
        book.grants.sort((a, b) => a.expiresAt - b.expiresAt);
      }
    } else if (roll < 0.92) {
      plan(client.index, session.startsAt - 10 * MINUTE, {
        kind: 'check_in',
        session: session.key,
      });
    }
    // The rest do not come: the booking upkeep marks them no-shows once the class has ended.
  }

  async function register(newcomers: ClientPlan[], joinedAt: Map<number, number>) {
    for (let i = 0; i < newcomers.length; i += 500) {
      const batch = newcomers.slice(i, i + 500);
      const outcomes = await registerClients(
        store,
        batch.map(
          (client) =>
            new RegisterClient(
              { firstName: client.firstName, lastName: client.lastName, email: client.email },
              staffContext(opened[client.studio]!.studioId, new Date(joinedAt.get(client.index)!)),
            ),
        ),
      );
      outcomes.forEach((outcome, n) => {
        if (outcome.status === 'rejected') throw outcome.reason;
        ids[batch[n]!.index] = { clientId: outcome.value.id };
      });
    }
  }

  async function runDay(steps: Planned[]) {
    const byClient = new Map<number, Planned[]>();
    for (const step of steps) {
      let list = byClient.get(step.client);
      if (!list) byClient.set(step.client, (list = []));
      list.push(step);
    }
    await inPool([...byClient.values()], options.concurrency ?? 24, async (list) => {
      list.sort((a, b) => a.at - b.at);
      for (const step of list) {
        try {
          await run(step);
        } catch (error) {
          if (!(error instanceof ClienteleError)) throw error;
          refused[`${step.step.kind}: ${error.code}`] =
            (refused[`${step.step.kind}: ${error.code}`] ?? 0) + 1;
        }
      }
    });
  }

  async function run({ client, at, step }: Planned) {
    const plan = books[client]!.plan;
    const studio = opened[plan.studio]!;
    const { clientId } = ids[client]!;
    const context = clientContext(studio.studioId, clientId, new Date(at));
    const desk = staffContext(studio.studioId, new Date(at));
    switch (step.kind) {
      case 'sign_waiver':
        await handlers.sign.execute(
          new SignWaiver(
            clientId,
            {
              waiverId: studio.waiverId,
              signature: { kind: 'typed', name: `${plan.firstName} ${plan.lastName}` },
              ip: null,
              userAgent: 'Front desk tablet',
            },
            context,
          ),
        );
        return;
      case 'buy': {
        const sale = await handlers.sell.execute(
          new SellProducts(
            {
              clientId,
              items: [{ productId: studio.products.get(step.product)! }],
              payment: { method: step.method },
            },
            desk,
          ),
        );
        const paid = sale.events.find((e) => e.type === 'PaymentRecorded');
        const granted = sale.events.find((e) => e.type === 'CreditsGranted');
        if (
          step.product === 'intro' &&
          paid?.type === 'PaymentRecorded' &&
          granted?.type === 'CreditsGranted'
        ) {
          ids[client]!.introPayment = {
            paymentId: paid.data.paymentId,
            grantId: granted.data.grantId,
            credits: granted.data.count,
          };
        }
        return;
      }
      case 'enroll':
        await handlers.enroll.execute(
          new EnrollClient(
            sessionIds.get(step.session)!,
            { clientId, payWith: step.payWith, channel: 'online' },
            context,
          ),
        );
        return;
      case 'cancel':
        await handlers.cancel.execute(
          new CancelEnrollment(
            sessionIds.get(step.session)!,
            clientId,
            { outcome: 'cancel_and_refund', override: false, reason: 'cannot make it' },
            context,
          ),
        );
        return;
      case 'check_in':
        await handlers.checkIn.execute(
          new CheckInClient(sessionIds.get(step.session)!, clientId, desk),
        );
        return;
      case 'refund_intro': {
        const intro = ids[client]!.introPayment;
        if (!intro) return;
        await handlers.refund.execute(
          new RefundPayment(clientId, intro.paymentId, null, 'changed their mind', desk),
        );
        await handlers.adjust.execute(
          new AdjustCreditGrant(clientId, intro.grantId, -intro.credits, 'pack refunded', desk),
        );
        return;
      }
      case 'cancel_membership': {
        const account = await accounts.account(clientId);
        for (const membership of account.memberships.values()) {
          await handlers.membership.execute(
            new ChangeMembership(
              clientId,
              membership.membershipId,
              { type: 'CancelMembership', when: 'period_end', reason: 'moving away' },
              desk,
            ),
          );
        }
        return;
      }
      case 'pay_bills': {
        const account = await accounts.account(clientId);
        for (const bill of account.bills.values()) {
          if (bill.settled || bill.voided) continue;
          await handlers.pay.execute(
            new PayBill(clientId, bill.billId, bill.total.amount - bill.paid, 'card', null, desk),
          );
        }
        return;
      }
    }
  }

  function pack(studio: StudioPlan, key: PackPlan['key']): PackPlan {
    return studio.packs.find((p) => p.key === key)!;
  }

  /** Four sales in five are paid by card on the desk's terminal, the rest in cash. */
  function paidWith(): 'card' | 'cash' {
    return random() < 0.8 ? 'card' : 'cash';
  }

  function grant(book: ClientBook, { credits, validityDays }: PackPlan, at: number) {
    book.grants.push({ left: credits, expiresAt: at + validityDays * DAY, from: at });
    book.grants.sort((a, b) => a.expiresAt - b.expiresAt);
  }

  /** Spends a credit held at `at` and still valid a day past the class, soonest to expire first. */
  function spend(book: ClientBook, at: number, startsAt: number): Grant | null {
    const usable = book.grants.find(
      (g) => g.left > 0 && g.from <= at && g.expiresAt > startsAt + DAY,
    );
    if (!usable) return null;
    usable.left--;
    return usable;
  }
}

function staffContext(studioId: string, now: Date): RequestContext {
  return { studioId, actor: { type: 'staff', id: 'dev-seed' }, correlationId: randomUUID(), now };
}

function clientContext(studioId: string, clientId: string, now: Date): RequestContext {
  return { studioId, actor: { type: 'client', id: clientId }, correlationId: randomUUID(), now };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Runs `work` over `items`, `workers` at a time. */
async function inPool<T>(items: T[], workers: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The store, counting the events appended through it, by type. */
function countingStore(inner: EventStore) {
  const counts = new Map<string, number>();
  const add = (events: { type: string }[]) => {
    for (const { type } of events) counts.set(type, (counts.get(type) ?? 0) + 1);
  };
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          const result = await target.append(...args);
          add(args[1]);
          return result;
        };
      }
      if (property === 'appendMany') {
        return async (...args: Parameters<EventStore['appendMany']>) => {
          const results = await target.appendMany(...args);
          results.forEach((result, i) => {
            if (result.status === 'fulfilled') add(args[0][i]!.events);
          });
          return results;
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    store,
    byType: (type: string) => counts.get(type) ?? 0,
    total: () => [...counts.values()].reduce((a, b) => a + b, 0),
  };
}
