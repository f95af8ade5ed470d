import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let instructor: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Details Studio'));
  instructor = await t.hire(token, 'instructor');
  const defined = await t.call('PUT', '/v1/studio/client-fields', {
    token,
    body: {
      customerGroups: ['Students', 'Seniors'],
      customFields: [
        { key: 'emergencyContact', label: 'Emergency contact', type: 'text' },
        { key: 'level', label: 'Level', type: 'choice', choices: ['beginner', 'advanced'] },
      ],
      integrations: ['mailchimp'],
    },
  });
  expect(defined.status).toBe(200);
});
afterAll(() => t.close());

let n = 0;
const client = async () =>
  (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Deb', lastName: `Tails${++n}`, email: `deb${n}@details.example` },
    })
  ).body.id as string;

describe('profile details', () => {
  it('keeps group, newsletter, sync toggles and custom fields the studio defined, on the profile', async () => {
    const id = await client();
    const changed = await t.call('PATCH', `/v1/clients/${id}/details`, {
      token,
      body: {
        customerGroup: 'Students',
        newsletter: true,
        sync: { mailchimp: false },
        customFields: { emergencyContact: 'Sam, +1 555 0101', level: 'beginner' },
      },
    });
    expect(changed.status).toBe(200);
    const profile = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(profile).toMatchObject({
      customerGroup: 'Students',
      newsletter: true,
      sync: { mailchimp: false },
      customFields: { emergencyContact: 'Sam, +1 555 0101', level: 'beginner' },
      version: changed.body.version,
    });
    await t.call('PATCH', `/v1/clients/${id}/details`, {
      token,
      body: { customFields: { level: null }, customerGroup: null },
    });
    const after = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(after.customFields).toEqual({ emergencyContact: 'Sam, +1 555 0101' });
    expect(after.customerGroup).toBeNull();
    const history = await t.call('GET', `/v1/clients/${id}/history`, { token });
    expect(history.body.events.map((e: { type: string }) => e.type)).toContain(
      'ClientDetailsChanged',
    );
  });

  it('refuses what the studio did not define, naming each field, and changes nothing', async () => {
    const id = await client();
    const refused = await t.call('PATCH', `/v1/clients/${id}/details`, {
      token,
      body: { customerGroup: 'VIP', customFields: { level: 'expert' }, sync: { zapier: true } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'customerGroup',
      'sync.zapier',
      'customFields.level',
    ]);
    const profile = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(profile).toMatchObject({ customerGroup: null, customFields: {}, version: 0 });
    const forbidden = await t.call('PATCH', `/v1/clients/${id}/details`, {
      token: instructor,
      body: { newsletter: true },
    });
    expect(forbidden.status).toBe(403);
  });

  it('records which version of the data-protection text was accepted and when, and a withdrawal', async () => {
    const id = await client();
    const given = await t.call('POST', `/v1/clients/${id}/consents`, {
      token,
      body: { consent: 'data_protection', version: '2026-01' },
    });
    expect(given.status).toBe(201);
    expect(given.body.consents.data_protection).toEqual({
      version: '2026-01',
      givenAt: expect.any(String),
    });
    const profile = (await t.call('GET', `/v1/clients/${id}`, { token })).body;
    expect(profile.consents).toEqual(given.body.consents);
    const withdrawn = await t.call('POST', `/v1/clients/${id}/consents/data_protection/withdraw`, {
      token,
    });
    expect(withdrawn.status).toBe(200);
    expect((await t.call('GET', `/v1/clients/${id}`, { token })).body.consents).toEqual({});
    const bad = await t.call('POST', `/v1/clients/${id}/consents`, {
      token,
      body: { consent: 'Data Protection!', version: '1' },
    });
    expect(bad.status).toBe(400);
  });

  it('answers the definitions, and refuses invalid ones', async () => {
    const read = await t.call('GET', '/v1/studio/client-fields', { token: instructor });
    expect(read.body.customerGroups).toEqual(['Students', 'Seniors']);
    const bad = await t.call('PUT', '/v1/studio/client-fields', {
      token,
      body: {
        customerGroups: [],
        customFields: [{ key: 'level', label: 'Level', type: 'choice' }],
        integrations: [],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('customFields.0.choices');
  });
});
