import { adminActions, projections } from '@clientele/runtime';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  ({ token } = await t.createStudio('Rebuild Studio'));
});
afterAll(() => t.close());

const TABLES: Record<string, string[]> = {
  client_profiles: ['client_profiles', 'client_memos', 'client_documents'],
  waivers: ['waivers', 'waiver_signatures', 'signature_requests'],
  client_relationships: ['client_relationships'],
};

async function rows(name: string) {
  return Promise.all(
    TABLES[name]!.map(async (table) =>
      (await t.runtime.db.kysely.selectFrom(table).selectAll().execute())
        .map((row) => JSON.stringify(row))
        .sort(),
    ),
  );
}

let n = 0;
const client = async (extra: object = {}) =>
  (
    await t.call('POST', '/v1/clients', {
      token,
      body: { firstName: 'Re', lastName: `Build${++n}`, email: `re${n}@rebuild.example`, ...extra },
    })
  ).body.id as string;

describe('the profile, waiver and relationship read models', () => {
  it('give the same rows when events are delivered again, and after a rebuild', async () => {
    await t.call('PUT', '/v1/studio/client-fields', {
      token,
      body: {
        customerGroups: ['Students'],
        customFields: [{ key: 'level', label: 'Level', type: 'choice', choices: ['a', 'b'] }],
        integrations: ['mailchimp'],
      },
    });
    const waiverId = (
      await t.call('POST', '/v1/waivers', { token, body: { title: 'W', body: 'Terms.' } })
    ).body.waiverId;
    const pdf = Buffer.from('%PDF-1.7\nx\n');
    for (let i = 0; i < 4; i++) {
      const a = await client({ birthday: '2015-01-01' });
      const b = await client();
      await t.call('PATCH', `/v1/clients/${a}/details`, {
        token,
        body: {
          customerGroup: 'Students',
          sync: { mailchimp: false },
          customFields: { level: 'a' },
        },
      });
      await t.call('PATCH', `/v1/clients/${a}/details`, {
        token,
        body: { customFields: { level: null } },
      });
      await t.call('POST', `/v1/clients/${a}/consents`, {
        token,
        body: { consent: 'data_protection', version: `v${i}` },
      });
      await t.call('POST', `/v1/clients/${b}/relationships`, {
        token,
        body: { clientId: a, role: 'child' },
      });
      await t.call('POST', `/v1/clients/${a}/signature-requests`, { token, body: { waiverId } });
      await t.call('POST', `/v1/clients/${a}/signatures`, {
        token,
        body: { waiverId, signature: 'Parent', guardianId: b },
      });
      const doc = await t.call('POST', `/v1/clients/${a}/documents?name=d${i}.pdf`, {
        token,
        raw: pdf,
        headers: { 'content-type': 'application/pdf' },
      });
      if (i % 2 === 0) {
        await t.call('DELETE', `/v1/clients/${a}/documents/${doc.body.documentId}`, { token });
        await t.call('DELETE', `/v1/clients/${b}/relationships/${a}`, { token });
      }
    }
    await t.call('POST', `/v1/waivers/${waiverId}/versions`, {
      token,
      body: { body: 'New terms.', requiresResigning: true },
    });

    for (const name of Object.keys(TABLES)) {
      const projection = projections.find((p) => p.name === name)!;
      await t.runtime.runner.catchUp(name);
      const before = await rows(name);
      expect(before.flat().length).toBeGreaterThan(4);
      const events = (await t.runtime.store.readAll({ from: null, limit: 10_000 })).filter((e) =>
        projection.eventTypes.has(e.type),
      );
      for (let end = events.length; end > 0; end -= 7) {
        await t.runtime.db.kysely
          .transaction()
          .execute((trx) => projection.apply(trx, events.slice(0, end)));
      }
      expect(await rows(name)).toEqual(before);
      await adminActions['projections.rebuild'](t.runtime, { name });
      expect(await rows(name)).toEqual(before);
    }
  });
});
