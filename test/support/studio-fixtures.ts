import type { TestApp } from './test-app';

/** The products suites sell most: what a studio's price list starts with. */
export const PRODUCTS = {
  tenClasses: {
    kind: 'class_pack',
    name: '10 classes',
    price: { amount: 12000, currency: 'USD' },
    credits: { count: 10, eventTypes: ['yoga'] },
    validityDays: 90,
  },
  monthly: {
    kind: 'membership',
    name: 'Unlimited monthly',
    price: { amount: 15900, currency: 'USD' },
    billingPeriod: { unit: 'month', count: 1 },
    eventTypes: ['yoga'],
    creditsPerPeriod: null,
  },
  onDemand: {
    kind: 'vod',
    name: 'On demand',
    price: { amount: 1500, currency: 'USD' },
    accessDays: 30,
  },
} as const;

/**
 * What suites set up in a studio, each made through the API as its staff would and its id
 * returned; a setup step that is refused fails the suite there, with the answer.
 */
export function studioFixtures(t: TestApp, token: string) {
  let clients = 0;
  const created = async (url: string, body: object, as = token, key = 'id'): Promise<string> => {
    const reply = await t.call('POST', url, { token: as, body });
    if (reply.status !== 201) {
      throw new Error(`POST ${url} answered ${reply.status}: ${reply.text}`);
    }
    return reply.body[key] as string;
  };
  return {
    classType: (body: object = {}) =>
      created('/v1/class-types', { name: 'Flow', format: 'in_person', eventType: 'yoga', ...body }),
    product: (body: object = PRODUCTS.tenClasses) => created('/v1/products', body),
    waiver: (title = 'House rules') =>
      created('/v1/waivers', { title, body: 'I take part at my own risk.' }, token, 'waiverId'),
    /** A client with an email no other fixture client has, unless the body gives one. */
    client: (body: { firstName?: string; lastName?: string } & object = {}, as = token) => {
      const n = ++clients;
      const firstName = body.firstName ?? 'Client';
      return created(
        '/v1/clients',
        {
          firstName,
          lastName: 'Fixture',
          email: `${firstName.toLowerCase().replace(/[^a-z]/g, '')}${n}@fixture.example`,
          ...body,
        },
        as,
      );
    },
    /** A session of the class type `inDays` days from now (negative: in the past). */
    session: (classTypeId: string, inDays: number, body: object = {}) =>
      created('/v1/sessions', {
        classTypeId,
        startsAt: new Date(Date.now() + inDays * 86_400_000).toISOString(),
        durationMinutes: 60,
        capacity: 10,
        ...body,
      }),
  };
}
