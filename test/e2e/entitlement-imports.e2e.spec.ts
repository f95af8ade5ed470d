import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../libs/shared/testing/until';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let dataDir: string;
let zoe: string;
let ann: string;

const BOUNDARY = 'clientele-test-boundary';

/** A multipart/form-data body as a browser sends it: fields, then the file. */
function upload(csv: string, fileName: string, fields: Record<string, string> = {}) {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`,
  );
  return {
    raw: Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  };
}

async function importFile(
  kind: 'clients' | 'credits' | 'memberships',
  csv: string,
  fields: Record<string, string> = {},
) {
  const started = await t.call('POST', `/v1/imports/${kind}`, {
    token,
    ...upload(csv, `${kind}.csv`, fields),
  });
  expect(started.status).toBe(202);
  expect(started.body.kind).toBe(kind);
  let job = started.body;
  await until(async () => {
    job = (await t.call('GET', `/v1/imports/${started.body.id}`, { token })).body;
    return job.status === 'completed' || job.status === 'failed';
  });
  return job;
}

/** A day from today (UTC) as YYYY-MM-DD; the studio is in New York, so tests keep a margin. */
const day = (offset: number) =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
/** The same day as a German export writes it: 31.01.2027. */
const dotted = (offset: number) => day(offset).split('-').reverse().join('.');

const profileOf = async (clientId: string) =>
  (await t.call('GET', `/v1/clients/${clientId}`, { token })).body;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientele-entitlement-imports-'));
  t = await startTestApp({ config: { dataDir } });
  ({ token } = await t.createStudio('Moving Studio'));
  const product = async (body: object) =>
    expect((await t.call('POST', '/v1/products', { token, body })).status).toBe(201);
  await product({
    kind: 'class_pack',
    name: '10 Classes',
    price: { amount: 12000, currency: 'USD' },
    credits: { count: 10, eventTypes: ['yoga'] },
    validityDays: 90,
  });
  await product({
    kind: 'membership',
    name: 'Unlimited Monthly',
    price: { amount: 15900, currency: 'USD' },
    billingPeriod: { unit: 'month', count: 1 },
    eventTypes: ['yoga'],
    creditsPerPeriod: null,
  });
  const clients = await importFile(
    'clients',
    'email,first name,last name\nzoe@moving.example,Zoë,Müller\nann@moving.example,Ann,Lee\ncy@moving.example,Cy,Twombly\n',
  );
  expect(clients).toMatchObject({ status: 'completed', created: 3 });
  const find = async (email: string) =>
    (await t.call('GET', `/v1/clients?search=${email}`, { token })).body.items[0]?.id as string;
  await until(async () => Boolean((await find('zoe@moving.example')) && (await find('ann'))));
  zoe = await find('zoe@moving.example');
  ann = await find('ann@moving.example');
  // Products are found in the catalog's read model: wait until it has both.
  await until(async () => (await t.call('GET', '/v1/products', { token })).body.items.length === 2);
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Another product's export, in German: `;`, a BOM, CRLF, dotted dates.
const CREDITS = [
  '\uFEFFE-Mail;Paket;Restguthaben;Gültig bis;Kaufdatum;Class type',
  `zoe@moving.example;10 classes;4;${dotted(30)};${dotted(-20)};`,
  `ann@moving.example;;2;;;pilates`,
  `nobody@moving.example;10 Classes;3;${dotted(30)};;`,
  `zoe@moving.example;Unlimited Monthly;3;${dotted(30)};;`,
  `ann@moving.example;10 Classes;5;${dotted(-3)};;`,
  `ann@moving.example;10 Classes;0;;;`,
].join('\r\n');

const MEMBERSHIPS = [
  'Email,Membership,Start date,Next billing date,Freeze start,Freeze end',
  `zoe@moving.example,Unlimited Monthly,${day(-100)},${day(12)},${day(-2)},${day(5)}`,
  `ann@moving.example,Unlimited Monthly,${day(-40)},${day(20)},,`,
  `ann@moving.example,Unlimited Monthly,${day(-40)},${day(20)},,`,
  `nobody@moving.example,Unlimited Monthly,${day(-40)},${day(20)},,`,
  `zoe@moving.example,10 Classes,${day(-40)},${day(20)},,`,
  `cy@moving.example,Unlimited Monthly,${day(-40)},${day(-10)},,`,
].join('\n');

describe('importing what clients have left', () => {
  it('a dry run of credits counts what it would do and records nothing', async () => {
    const job = await importFile('credits', CREDITS, { dryRun: 'true' });
    expect(job).toMatchObject({ status: 'completed', total: 6, created: 2, errors: 4 });
    expect((await profileOf(zoe)).balances.credits).toEqual([]);
  });

  it('imports the credits left as they are, with their expiry, nothing sold', async () => {
    const job = await importFile('credits', CREDITS);
    expect(job).toMatchObject({
      kind: 'credits',
      status: 'completed',
      total: 6,
      processed: 6,
      created: 2,
      updated: 0,
      skipped: 0,
      errors: 4,
    });
    await until(async () => (await profileOf(zoe)).balances.credits.length === 1);
    const profile = await profileOf(zoe);
    // What is left (4), not the pack's ten; usable through its last day, in New York.
    expect(profile.balances.credits).toMatchObject([{ eventType: 'yoga', available: 4 }]);
    expect(profile.activeItems.packs).toMatchObject([{ productName: '10 Classes', available: 4 }]);
    expect(profile.activeItems.packs[0].expiresAt.slice(0, 10)).toBe(day(31));
    expect(profile.recentSales).toEqual([]);
    expect(profile.openBills).toEqual([]);
    expect(profile.balances.outstanding).toEqual({ amount: 0, currency: 'USD' });
    await until(async () => (await profileOf(ann)).balances.credits.length === 1);
    expect((await profileOf(ann)).balances.credits).toMatchObject([
      { eventType: 'pilates', available: 2 },
    ]);
    // Nothing was sold: the sales report has no line.
    const sales = await t.call('GET', '/v1/reports/sales', { token });
    expect(sales.status).toBe(200);
    expect(sales.body.items).toEqual([]);

    const failed = await t.call('GET', `/v1/imports/${job.id}/errors.csv`, { token });
    const body = failed.text.replace(/^\uFEFF/, '');
    expect(body).toMatch(/,4,no client of the studio has the email nobody@moving\.example/);
    expect(body).toMatch(/,5,"?""Unlimited Monthly"" is a membership, not a pack/);
    expect(body).toMatch(/,6,"?expiresOn is past: the credits expired on/);
    expect(body).toMatch(/,7,no credits are left: nothing to import/);
  });

  it('the same file again adds nothing', async () => {
    const again = await importFile('credits', CREDITS);
    expect(again).toMatchObject({ created: 0, skipped: 2, errors: 4 });
    expect((await profileOf(zoe)).balances.credits).toMatchObject([{ available: 4 }]);
  });

  it('imports memberships with their next payment and freeze, billed nothing now', async () => {
    const job = await importFile('memberships', MEMBERSHIPS);
    expect(job).toMatchObject({ kind: 'memberships', total: 6, created: 2, errors: 4 });
    await until(async () => (await profileOf(zoe)).activeItems.memberships.length === 1);
    const [membership] = (await profileOf(zoe)).activeItems.memberships;
    expect(membership).toMatchObject({
      name: 'Unlimited Monthly',
      status: 'frozen',
      startsOn: day(-100),
      nextPaymentDue: day(12),
      freeze: { from: day(-2), until: day(5) },
    });
    const profile = await profileOf(zoe);
    expect(profile.openBills).toEqual([]);
    await until(async () => (await profileOf(ann)).activeItems.memberships.length === 1);
    expect((await profileOf(ann)).activeItems.memberships).toMatchObject([
      { status: 'active', nextPaymentDue: day(20), freeze: null },
    ]);
    const frozen = await t.call('GET', '/v1/reports/frozen-memberships?search=zoe', { token });
    expect(frozen.body.items).toEqual([
      expect.objectContaining({ clientId: zoe, frozenFrom: day(-2), frozenUntil: day(5) }),
    ]);

    const failed = (await t.call('GET', `/v1/imports/${job.id}/errors.csv`, { token })).text;
    expect(failed).toMatch(/,4,duplicate in the file: row 3 has the same client and membership/);
    expect(failed).toMatch(/,5,no client of the studio has the email nobody@moving\.example/);
    expect(failed).toMatch(/,6,"?""10 Classes"" is a class_pack, not a membership/);
    expect(failed).toMatch(/,7,"?nextPaymentDue is past/);

    const again = await importFile('memberships', MEMBERSHIPS);
    expect(again).toMatchObject({ created: 0, skipped: 2, errors: 4 });
    expect((await profileOf(ann)).activeItems.memberships).toHaveLength(1);
    // Another export (other bytes) of a membership the client holds: refused, not doubled.
    const later = await importFile(
      'memberships',
      `Email,Membership,Start date,Next payment\nann@moving.example,Unlimited Monthly,${day(-40)},${day(21)}\n`,
    );
    expect(later).toMatchObject({ created: 0, errors: 1 });
    const refused = (await t.call('GET', `/v1/imports/${later.id}/errors.csv`, { token })).text;
    expect(refused).toMatch(/,2,The client already holds a membership Unlimited Monthly/);
  });

  it('the history and the feed say each was imported, and from which row', async () => {
    const history = await t.call('GET', `/v1/clients/${zoe}/history`, { token });
    expect(history.status).toBe(200);
    const events = history.body.events as { type: string; data: Record<string, unknown> }[];
    const granted = events.find((e) => e.type === 'CreditsGranted')!;
    expect(granted.data.source).toMatchObject({
      kind: 'import',
      productName: '10 Classes',
      purchasedOn: day(-20),
      importedFrom: { fileName: 'credits.csv', row: 2, fileSha256: expect.any(String) },
    });
    const imported = events.find((e) => e.type === 'MembershipImported')!;
    expect(imported.data.importedFrom).toMatchObject({ fileName: 'memberships.csv', row: 2 });
    expect(events.filter((e) => e.type === 'MembershipFrozen')).toHaveLength(1);
    expect(events.some((e) => e.type === 'SaleRecorded' || e.type === 'BillIssued')).toBe(false);

    const feed = (await t.call('GET', '/v1/feed?limit=500', { token })).body.items as {
      type: string;
      subject: { clientId?: string };
      data: Record<string, unknown>;
    }[];
    const mine = feed.filter((item) => item.subject.clientId === zoe);
    expect(mine.find((item) => item.type === 'membership.imported')?.data).toMatchObject({
      name: 'Unlimited Monthly',
      nextPaymentDue: day(12),
      importedFrom: { fileName: 'memberships.csv', row: 2 },
    });
    expect(mine.find((item) => item.type === 'credits.granted')?.data).toMatchObject({
      count: 4,
      importedFrom: { fileName: 'credits.csv', row: 2 },
    });
  });

  it('refuses a file without the columns it needs, naming them, before any job', async () => {
    const refused = await t.call('POST', '/v1/imports/memberships', {
      token,
      ...upload('Email,Membership\nzoe@moving.example,Unlimited Monthly\n', 'm.csv'),
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { field: string }) => e.field)).toEqual([
      'startsOn',
      'nextPaymentDue',
    ]);
    const badMapping = await t.call('POST', '/v1/imports/credits', {
      token,
      ...upload(CREDITS, 'c.csv', { mapping: 'firstName=Vorname' }),
    });
    expect(badMapping.status).toBe(400);
    expect(badMapping.body.errors[0].field).toBe('mapping.firstName');
  });
});
