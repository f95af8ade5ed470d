import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../libs/shared/testing/until';
import { startTestApp, type TestApp } from '../support/test-app';

let t: TestApp;
let token: string;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientele-imports-'));
  t = await startTestApp({ config: { dataDir } });
  ({ token } = await t.createStudio('Sunrise Yoga'));
});
afterAll(async () => {
  await t.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const BOUNDARY = 'clientele-test-boundary';

/** A multipart/form-data body as a browser sends it: fields, then the file. */
function upload(csv: string, fields: Record<string, string> = {}) {
  const parts = Object.entries(fields).map(
    ([name, value]) =>
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  parts.push(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="clients.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`,
  );
  return {
    raw: Buffer.from(`${parts.join('')}--${BOUNDARY}--\r\n`),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
  };
}

async function importFile(csv: string, fields: Record<string, string> = {}, as = token) {
  const started = await t.call('POST', '/v1/imports/clients', {
    token: as,
    ...upload(csv, fields),
  });
  expect(started.status).toBe(202);
  expect(started.headers.location).toBe(`/v1/imports/${started.body.id}`);
  let job = started.body;
  await until(async () => {
    job = (await t.call('GET', `/v1/imports/${started.body.id}`, { token: as })).body;
    return job.status === 'completed' || job.status === 'failed';
  });
  return job;
}

// A studio product's export: its own header names, `;`, a BOM, CRLF, a quoted newline.
const EXPORT = [
  '\uFEFFFirst Name;Last Name;E-Mail Address;Mobile;Date of Birth',
  'Zoë;Müller;zoe@example.com;+49 170 1234567;24.12.1990',
  'Анна;Иванова;anna@example.com;;',
  '"Mei";"李";mei@example.com;;1988-02-29',
  '',
  'Bad;Email;not-an-email;;',
  'Old;Date;old@example.com;;31st of May',
  'Zoe;Again;ZOE@example.com;;',
  '"Line";"Two\nLines";lines@example.com;;',
].join('\r\n');

describe('importing clients from a CSV file', () => {
  it('a dry run reports each row that would fail, and writes no client', async () => {
    const job = await importFile(EXPORT, { dryRun: 'true' });
    expect(job).toMatchObject({
      status: 'completed',
      dryRun: true,
      total: 7,
      processed: 7,
      created: 4,
      updated: 0,
      skipped: 0,
      errors: 3,
      columns: {
        firstName: 'First Name',
        lastName: 'Last Name',
        email: 'E-Mail Address',
        phone: 'Mobile',
        birthday: 'Date of Birth',
      },
      ignoredHeaders: [],
    });
    const search = await t.call('GET', '/v1/clients?search=example.com', { token });
    expect(search.body.items).toHaveLength(0);
    const failed = await t.call('GET', `/v1/imports/${job.id}/errors.csv`, { token });
    expect(failed.status).toBe(200);
    expect(failed.headers['content-type']).toContain('text/csv');
    const lines = failed.text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('First Name,Last Name,E-Mail Address,Mobile,Date of Birth,row,reason');
    expect(lines.slice(1).join('\n')).toMatch(/,5,"""not-an-email"" is not an email address"/);
    expect(lines.slice(1).join('\n')).toMatch(/,6,.*date format we cannot read/);
    expect(lines.slice(1).join('\n')).toMatch(/,7,duplicate in the file: row 2 has the same email/);
  });

  it('imports the rows, and running the same file again creates no one', async () => {
    const job = await importFile(EXPORT);
    expect(job).toMatchObject({ status: 'completed', created: 4, errors: 3, dryRun: false });
    await until(async () => {
      const search = await t.call('GET', '/v1/clients?search=example.com', { token });
      return search.body.items.length === 4;
    });
    const zoe = (await t.call('GET', '/v1/clients?search=zoe@example.com', { token })).body
      .items[0];
    const profile = await t.call('GET', `/v1/clients/${zoe.id}`, { token });
    expect(profile.body).toMatchObject({
      firstName: 'Zoë',
      lastName: 'Müller',
      phone: '+49 170 1234567',
      birthday: '1990-12-24',
    });
    // The history names the row Zoë came from; the import sent her no welcome.
    const history = await t.call('GET', `/v1/clients/${zoe.id}/history`, { token });
    const registered = history.body.events.find(
      (e: { type: string }) => e.type === 'ClientRegistered',
    );
    expect(registered.data.importedFrom).toEqual({
      jobId: job.id,
      fileName: 'clients.csv',
      fileSha256: job.fileSha256,
      row: 2,
    });
    const notified = await t.call('GET', `/v1/clients/${zoe.id}/notifications`, { token });
    expect(notified.body.items).toEqual([]);

    const again = await importFile(EXPORT);
    expect(again).toMatchObject({ created: 0, updated: 0, skipped: 4, errors: 3 });
  });

  it('a row with a known email updates what differs of that client', async () => {
    const csv =
      'email,first name,last name,phone\nanna@example.com,Анна,Петрова,+7 900 000 00 00\n';
    const job = await importFile(csv);
    expect(job).toMatchObject({ created: 0, updated: 1, skipped: 0, errors: 0 });
    await until(async () => {
      const found = await t.call('GET', '/v1/clients?search=anna@example.com', { token });
      return found.body.items[0]?.lastName === 'Петрова';
    });
  });

  it('takes a mapping for headers it does not know', async () => {
    const csv = 'Courriel électronique,Given,Family,Notes\nmapped@example.com,Map,Ped,VIP\n';
    const refused = await t.call('POST', '/v1/imports/clients', { token, ...upload(csv) });
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body.detail).toContain('"Courriel électronique"');
    const job = await importFile(csv, {
      mapping: 'email=Courriel électronique,firstName=Given,lastName=Family',
    });
    expect(job).toMatchObject({ created: 1, errors: 0 });
    // The job says which column each field came from, and which columns were left out.
    expect(job.columns).toEqual({
      email: 'Courriel électronique',
      firstName: 'Given',
      lastName: 'Family',
    });
    expect(job.ignoredHeaders).toEqual(['Notes']);
  });

  it('refuses what is not an import with 400, and another studio’s job is not found', async () => {
    const noFile = await t.call('POST', '/v1/imports/clients', {
      token,
      raw: `--${BOUNDARY}\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\ntrue\r\n--${BOUNDARY}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    });
    expect(noFile.status).toBe(400);
    const json = await t.call('POST', '/v1/imports/clients', { token, body: {} });
    expect(json.status).toBe(400);
    const badMapping = await t.call('POST', '/v1/imports/clients', {
      token,
      ...upload(EXPORT, { mapping: 'shoeSize=Size' }),
    });
    expect(badMapping.status).toBe(400);
    expect(badMapping.body.errors[0].field).toBe('mapping.shoeSize');
    const empty = await t.call('POST', '/v1/imports/clients', { token, ...upload('') });
    expect(empty.status).toBe(400);

    const job = await importFile('email,first,last\nx@example.com,X,Y\n');
    const other = await t.createStudio('Moonrise Pilates');
    const seen = await t.call('GET', `/v1/imports/${job.id}`, { token: other.token });
    expect(seen.status).toBe(404);
    const rows = await t.call('GET', `/v1/imports/${job.id}/errors.csv`, { token: other.token });
    expect(rows.status).toBe(404);
    const instructor = await t.hire(token, 'instructor');
    const forbidden = await t.call('GET', `/v1/imports/${job.id}`, { token: instructor });
    expect(forbidden.status).toBe(403);
  });
});
