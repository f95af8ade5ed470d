import 'reflect-metadata';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimHolder, emailClaimStream } from '@clientele/clients';
import { accountStream } from '@clientele/entitlements';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import { ImportJobStore } from './import-jobs';
import { Imports, type NewImport } from './imports';

const ROWS = 600;
let studio: TestStudio;
let dir: string;
let credits: string;

beforeAll(async () => {
  studio = await openTestStudio({
    name: 'Moving Credits Studio',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    ownerEmail: 'owner@credits.example',
  });
  dir = mkdtempSync(join(tmpdir(), 'clientele-import-credits-'));
  const clients = join(dir, 'clients.csv');
  const people = ['email,first name,last name'];
  const left = ['Email;Credits left;Class type'];
  for (let i = 0; i < ROWS; i++) {
    people.push(`client${i}@credits.example,Client,Number ${i}`);
    left.push(`client${i}@credits.example;${(i % 9) + 1};yoga`);
  }
  writeFileSync(clients, `${people.join('\n')}\n`);
  credits = join(dir, 'credits.csv');
  writeFileSync(credits, `${left.join('\r\n')}\r\n`);
  const imports = new Imports(studio.runtime.store, new ImportJobStore(studio.runtime.db));
  const job = await imports.create(
    newImport('clients', '5b0c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d', clients),
  );
  expect(await imports.start(job)).toMatchObject({ status: 'completed', created: ROWS });
});
afterAll(async () => {
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
});

function newImport(kind: NewImport['kind'], id: string, filePath: string): NewImport {
  return {
    id,
    kind,
    studioId: studio.studioId,
    actor: { type: 'system', id: 'credits-spec' },
    dryRun: false,
    fileName: `${kind}.csv`,
    filePath,
    mapping: {},
    dateOrder: 'auto',
  };
}

/** The file's bytes, breaking (as a crash would stop the job) after `bytes` of them. */
async function* breakingAfter(path: string, bytes: number): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 })) {
    if (read + chunk.length > bytes) throw new Error('the disk went away');
    read += chunk.length;
    yield chunk as Buffer;
  }
}

/** What each client's account holds: the grants and their counts. */
async function grantsOf(i: number) {
  const holder = await claimHolder(
    studio.runtime.store,
    emailClaimStream(studio.studioId, `client${i}@credits.example`),
  );
  const events = await studio.runtime.store.readStream(accountStream(holder!));
  return events.filter((e) => e.type === 'CreditsGranted').map((e) => e.data as { count: number });
}

describe('an import of credits', () => {
  it('a dry run decides every row and records nothing', async () => {
    const imports = new Imports(studio.runtime.store, new ImportJobStore(studio.runtime.db), {
      catalog: async () => [],
    });
    const job = await imports.create({
      ...newImport('credits', '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a', credits),
      dryRun: true,
    });
    expect(await imports.start(job)).toMatchObject({ status: 'completed', created: ROWS });
    expect(await grantsOf(0)).toEqual([]);
  });

  it('stopped halfway, resumes: every row’s credits recorded exactly once, as many as left', async () => {
    const jobs = new ImportJobStore(studio.runtime.db);
    // Opened to hash it and read its header, then to run: header, count, import (the fifth).
    let opens = 0;
    const first = new Imports(studio.runtime.store, jobs, {
      saveEvery: 25,
      concurrency: 16,
      catalog: async () => [],
      openFile: (path) => (++opens === 5 ? breakingAfter(path, 12_000) : createReadStream(path)),
    });
    const job = await first.create(
      newImport('credits', '1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b', credits),
    );
    await expect(first.start(job)).rejects.toThrow('the disk went away');
    const stopped = await jobs.get(studio.studioId, job.id);
    expect(stopped).toMatchObject({ status: 'failed', kind: 'credits', total: ROWS });
    expect(stopped.processed).toBeGreaterThan(0);
    expect(stopped.processed).toBeLessThan(ROWS);

    const second = new Imports(studio.runtime.store, jobs, { catalog: async () => [] });
    expect(await second.start(stopped)).toMatchObject({
      status: 'completed',
      processed: ROWS,
      created: ROWS,
      skipped: 0,
      errors: 0,
    });
    for (let i = 0; i < ROWS; i++) {
      expect(await grantsOf(i)).toMatchObject([{ count: (i % 9) + 1 }]);
    }

    // The same file as a new job finds every row's grant: nothing added, every row skipped.
    const again = await second.create(
      newImport('credits', '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d', credits),
    );
    expect(await second.start(again)).toMatchObject({ created: 0, skipped: ROWS, errors: 0 });
    expect(await grantsOf(7)).toHaveLength(1);
  });
});
