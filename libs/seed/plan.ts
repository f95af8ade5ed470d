import { addDays, startOfDay } from '@clientele/entitlements';

/**
 * What a seeded dataset is made of, decided before any command runs: the studios, their
 * catalogs and timetables, who their clients are and how they come. Everything here is drawn
 * from one seeded PRNG, so the same seed gives the same plan; the runner (dev-seed.ts) turns
 * each day of it into commands.
 */

/** mulberry32: small, fast and good enough to draw a dataset's shape from a seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export type Random = () => number;
export const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)]!;
export const between = (random: Random, low: number, high: number) =>
  low + Math.floor(random() * (high - low + 1));

export interface PackPlan {
  key: 'intro' | 'five' | 'ten' | 'twenty';
  name: string;
  credits: number;
  validityDays: number;
  price: number;
}

export interface SlotPlan {
  /** ISO weekday, 1 is Monday. */
  weekday: number;
  /** Minutes after local midnight. */
  startMinutes: number;
  durationMinutes: number;
  capacity: number;
  classType: number;
}

export interface StudioPlan {
  name: string;
  currency: string;
  timezone: string;
  ownerEmail: string;
  domain: string;
  eventType: string;
  classTypes: { name: string; dropInPrice: number }[];
  packs: PackPlan[];
  membership: { name: string; price: number };
  slots: SlotPlan[];
  /** Its share of the clients. */
  clients: number;
}

const KINDS = [
  {
    name: 'Lotus Yoga',
    eventType: 'yoga',
    classTypes: ['Vinyasa Flow', 'Yin Yoga', 'Hatha Basics', 'Power Yoga'],
  },
  {
    name: 'Core Pilates',
    eventType: 'pilates',
    classTypes: ['Mat Pilates', 'Reformer', 'Pilates Stretch'],
  },
  {
    name: 'Iron Box Boxing',
    eventType: 'boxing',
    classTypes: ['Boxing Fundamentals', 'Bag Work', 'Conditioning'],
  },
  {
    name: 'Still Water Barre',
    eventType: 'barre',
    classTypes: ['Barre Sculpt', 'Barre Burn', 'Barre Stretch'],
  },
] as const;

const PLACES = [
  { currency: 'USD', timezone: 'America/New_York', city: 'Brooklyn' },
  { currency: 'GBP', timezone: 'Europe/London', city: 'Hackney' },
  { currency: 'USD', timezone: 'America/Los_Angeles', city: 'Venice' },
  { currency: 'EUR', timezone: 'Europe/Berlin', city: 'Kreuzberg' },
  { currency: 'CAD', timezone: 'America/Toronto', city: 'Queen West' },
] as const;

/** Class start times a studio's week is drawn from: mornings, lunch, evenings. */
const START_TIMES = [
  7 * 60,
  8 * 60 + 30,
  9 * 60 + 30,
  10 * 60 + 45,
  12 * 60 + 15,
  17 * 60 + 30,
  18 * 60 + 45,
  20 * 60,
];

/**
 * Studios of uneven size: the first has the most clients (shares K, K-1, … 1). Each has its
 * week of 20 to 40 classes (more for the bigger ones), capacities of 10 to 25.
 */
export function planStudios(random: Random, count: number, clients: number): StudioPlan[] {
  const weights = Array.from({ length: count }, (_, i) => count - i);
  const total = weights.reduce((a, b) => a + b, 0);
  let left = clients;
  return weights.map((weight, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const place = PLACES[i % PLACES.length]!;
    const share = i === count - 1 ? left : Math.round((clients * weight) / total);
    left -= share;
    const name = `${kind.name} ${place.city}${i >= KINDS.length ? ` ${i + 1}` : ''}`;
    const domain = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.example`;
    const classesPerWeek = 20 + Math.round((20 * weight) / count);
    const classTypes = kind.classTypes.map((classType) => ({
      name: classType,
      dropInPrice: between(random, 18, 28) * 100,
    }));
    const slots: SlotPlan[] = [];
    const free = Array.from({ length: 7 }, (_, d) =>
      START_TIMES.map((t) => ({ weekday: d + 1, t })),
    );
    const choices = free.flat();
    const classes = Math.min(classesPerWeek, choices.length);
    for (let n = 0; n < classes; n++) {
      const [slot] = choices.splice(Math.floor(random() * choices.length), 1);
      slots.push({
        weekday: slot!.weekday,
        startMinutes: slot!.t,
        durationMinutes: pick(random, [45, 60, 60, 75]),
        capacity: between(random, 10, 25),
        classType: Math.floor(random() * classTypes.length),
      });
    }
    return {
      name,
      currency: place.currency,
      timezone: place.timezone,
      ownerEmail: `owner@${domain}`,
      domain,
      eventType: kind.eventType,
      classTypes,
      packs: [
        { key: 'intro', name: 'Intro: 3 classes', credits: 3, validityDays: 30, price: 3900 },
        { key: 'five', name: '5 classes', credits: 5, validityDays: 60, price: 9500 },
        { key: 'ten', name: '10 classes', credits: 10, validityDays: 90, price: 17000 },
        { key: 'twenty', name: '20 classes', credits: 20, validityDays: 180, price: 30000 },
      ],
      membership: { name: 'Unlimited monthly', price: between(random, 129, 189) * 100 },
      slots,
      clients: share,
    };
  });
}

/**
 * How a client uses the studio. Most people on a studio's list signed up and never came, or
 * came once or twice on a drop-in; a few buy packs; fewer hold a membership and come often.
 */
export type Persona = 'browser' | 'drop_in' | 'pack' | 'member';

export const PERSONAS: { persona: Persona; share: number }[] = [
  { persona: 'browser', share: 0.5 },
  { persona: 'drop_in', share: 0.3 },
  { persona: 'pack', share: 0.15 },
  { persona: 'member', share: 0.05 },
];

export interface ClientPlan {
  index: number;
  studio: number;
  persona: Persona;
  firstName: string;
  lastName: string;
  email: string;
  /** The day (from the start) they register. */
  registeredOn: number;
  /** The last day they come (a member cancels then). */
  leavesOn: number;
  /** Visits a day, on average, while they come. */
  rate: number;
  /** A drop-in client's visits left. */
  visitsLeft: number;
  /** A pack client who asks for their intro pack's money back the next day and never comes. */
  refundsIntro: boolean;
}

const FIRST = [
  'Mia',
  'Noah',
  'Ava',
  'Liam',
  'Zoe',
  'Omar',
  'Lena',
  'Kai',
  'Ines',
  'Theo',
  'Ruth',
  'Sam',
  'Priya',
  'Jonas',
  'Elif',
  'Marco',
  'Yuki',
  'Ada',
  'Felix',
  'Nora',
  'Ravi',
  'Clara',
];
const LAST = [
  'Lee',
  'Garcia',
  'Müller',
  'Okafor',
  'Rossi',
  'Nguyen',
  'Silva',
  'Cohen',
  'Kowalski',
  'Haddad',
  'Jensen',
  'Tanaka',
  'Brown',
  'Dubois',
  'Novak',
  'Singh',
  'Ahmed',
  'Moreau',
];

/** Every client, in order of registration; a fifth of them in the first two weeks (the studio's regulars). */
export function planClients(random: Random, studios: StudioPlan[], days: number): ClientPlan[] {
  const clients: ClientPlan[] = [];
  studios.forEach((studio, s) => {
    for (let i = 0; i < studio.clients; i++) {
      const roll = random();
      let acc = 0;
      const persona = PERSONAS.find(({ share }) => (acc += share) > roll)?.persona ?? 'browser';
      const registeredOn =
        random() < 0.2 ? Math.floor(random() * Math.min(14, days)) : Math.floor(random() * days);
      // Geometric stays: members keep coming about five months, pack clients about three.
      const stay = persona === 'member' ? 150 : persona === 'pack' ? 90 : 60;
      const leavesOn = registeredOn + Math.ceil(-Math.log(1 - random()) * stay) + 7;
      const firstName = pick(random, FIRST);
      const lastName = pick(random, LAST);
      const local = `${firstName}.${lastName}`
        .toLowerCase()
        .normalize('NFD')
        .replace(/[^a-z.]/g, '');
      clients.push({
        index: clients.length,
        studio: s,
        persona,
        firstName,
        lastName,
        email: `${local}.${i + 1}@${studio.domain}`,
        registeredOn,
        leavesOn,
        rate: { browser: 0, drop_in: 1 / 14, pack: 1 / 6, member: 2.5 / 7 }[persona],
        visitsLeft: persona === 'drop_in' ? between(random, 1, 3) : Infinity,
        refundsIntro: persona === 'pack' && random() < 0.03,
      });
    }
  });
  return clients.sort((a, b) => a.registeredOn - b.registeredOn || a.index - b.index);
}

/** The simulated days: `months` back from `until`'s date, as dates (YYYY-MM-DD). */
export function planDays(until: Date, months: number): string[] {
  const end = until.toISOString().slice(0, 10);
  const start = new Date(until);
  start.setUTCMonth(start.getUTCMonth() - months);
  const first = start.toISOString().slice(0, 10);
  const days: string[] = [];
  for (let day = first; day <= end; day = addDays(day, 1)) days.push(day);
  return days;
}

/** An instant on a studio's wall: `minutes` after local midnight of `date`. */
export function wallTime(date: string, minutes: number, timeZone: string): Date {
  return new Date(Date.parse(startOfDay(date, timeZone)) + minutes * 60_000);
}

export const isoWeekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay() || 7;
