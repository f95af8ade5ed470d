import { composeMessage } from './message';
import type { Notification } from './notification';

const about = {
  id: '5f0c1a2b-0000-4000-8000-000000000005',
  studioId: 'b7e0d7a2-0000-4000-8000-000000000002',
  clientId: '3f1c2a9e-0000-4000-8000-000000000001',
};
const ada = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };
const studio = { name: 'Sunrise Yoga', timezone: 'America/New_York' };
const credits = (data: Partial<Extract<Notification, { kind: 'credits_issued' }>['data']>) =>
  composeMessage(
    {
      ...about,
      kind: 'credits_issued',
      data: {
        count: 5,
        eventTypes: ['yoga'],
        expiresAt: null,
        validityDaysFromFirstUse: null,
        from: { kind: 'complimentary' },
        ...data,
      },
    },
    ada,
    studio,
  );

describe('the words of a notification', () => {
  it('welcomes the client by their first name, from the studio', () => {
    const message = composeMessage({ ...about, kind: 'welcome', data: {} }, ada, studio);
    expect(message.subject).toBe('Welcome to Sunrise Yoga');
    expect(message.text).toMatch(/^Hello Ada,\n\nWelcome to Sunrise Yoga!/);
    expect(message.text).toMatch(/\n\nSunrise Yoga\n$/);
  });

  it('gives a password reset its reference, and no secret of any kind', () => {
    const message = composeMessage({ ...about, kind: 'password_reset', data: {} }, ada, studio);
    expect(message.subject).toBe('Resetting your Sunrise Yoga password');
    expect(message.text).toContain(`reference, it is ${about.id}.`);
    expect(message.text).not.toMatch(/https?:|token/i);
  });

  it('names the waiver to sign', () => {
    const message = composeMessage(
      {
        ...about,
        kind: 'signature_request',
        data: { waiverId: 'w1', title: 'Aerial liability waiver', version: 2 },
      },
      ada,
      studio,
    );
    expect(message.subject).toBe('Please sign "Aerial liability waiver"');
    expect(message.text).toContain('sign "Aerial liability waiver" (version 2)');
  });

  it('counts credits, says where they came from and until which day of the studio', () => {
    // 04:59 UTC on 1 March is still 28 February in New York.
    const dated = credits({ expiresAt: '2027-03-01T04:59:59.999Z', eventTypes: ['yoga', 'barre'] });
    expect(dated.subject).toBe('5 credits added to your Sunrise Yoga account');
    expect(dated.text).toContain(
      '5 credits for yoga, barre were added to your account. They can be used until 2027-02-28.',
    );
    const one = credits({
      count: 1,
      from: { kind: 'sale', productName: 'Drop-in' },
      validityDaysFromFirstUse: 30,
    });
    expect(one.subject).toBe('1 credit added to your Sunrise Yoga account');
    expect(one.text).toContain('1 credit for yoga came with Drop-in. They can be used for 30 days');
    expect(credits({}).text).toContain('They do not expire.');
  });
});
