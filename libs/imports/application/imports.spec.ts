import 'reflect-metadata';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimHolder, clientStream, emailClaimStream } from '@clientele/clients';
import { openTestStudio, type TestStudio } from '../../../test/support/test-runtime';
import { until } from '../../shared/testing/until';
import { Imports } from './imports';
import { ImportJobStore } from './import-jobs';

const ROWS = 1500;
let studio: TestStudio;
let dir: string;
let file: string;

beforeAll(async () => {
  studio = await openTestStudio({
    name: 'Resume Studio',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    ownerEmail: 'owner@resume.example',
  });
  dir = mkdtempSync(join(tmpdir(), 'clientele-import-resume-'));
  file = join(dir, 'clients.csv');
  const lines = ['first name,last name,email'];
  for (let i = 0; i < ROWS; i++) lines.push(`Client,Number ${i},client${i}@resume.example`);
  writeFileSync(file, `${lines.join('\n')}\n`);
});
afterAll(async () => {
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The file's bytes, breaking (as a crash would stop the job) after `bytes` of them. */
async function* breakingAfter(path: string, bytes: number): AsyncGenerator<Buffer> {
  let read = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 })) {
    if (read + chunk.length > bytes) throw new Error('the disk went away');
    read += chunk.length;
    yield chunk as Buffer;
  }
}

describe('an import that stops halfway', () => {
  it('resumes where it stopped: every row imported exactly once', async () => {
    const jobs = new ImportJobStore(studio.runtime.db);
    // A job opens its file to hash it and read its header, then again to run: read its header,
    // count its rows, import them. The fifth opening, the import itself, breaks two thirds in
    // (far enough that the parser's read-ahead cannot reach it before rows are done).
    let opens = 0;
    const first = new Imports(studio.runtime.store, jobs, {
      saveEvery: 25,
      concurrency: 16,
      openFile: (path) => (++opens === 5 ? breakingAfter(path, 40_000) : createReadStream(path)),
    });
    const job = await first.create({
      id: '7d1a5c36-7a4e-4b39-9f5e-3c1f6b0e2a11',
      kind: 'clients',
      studioId: studio.studioId,
      actor: { type: 'system', id: 'resume-spec' },
      dryRun: false,
      fileName: 'clients.csv',
      filePath: file,
      mapping: {},
      dateOrder: 'auto',
    });
    await expect(first.start(job)).rejects.toThrow('the disk went away');
    const stopped = await jobs.get(studio.studioId, job.id);
    expect(stopped).toMatchObject({ status: 'failed', total: ROWS, error: 'the disk went away' });
    expect(stopped.processed).toBeGreaterThan(0);
    expect(stopped.processed).toBeLessThan(ROWS);

    // The next run (as after a restart) picks the job up where its progress was saved.
    const second = new Imports(studio.runtime.store, jobs);
    const finished = await second.start(stopped);
    expect(finished).toMatchObject({
      status: 'completed',
      processed: ROWS,
      created: ROWS,
      updated: 0,
      skipped: 0,
      errors: 0,
    });
    const holders = new Set<string>();
    for (let i = 0; i < ROWS; i++) {
      const holder = await claimHolder(
        studio.runtime.store,
        emailClaimStream(studio.studioId, `client${i}@resume.example`),
      );
      expect(holder).not.toBeNull();
      holders.add(holder!);
      const events = await studio.runtime.store.readStream(clientStream(holder!));
      expect(events.filter((e) => e.type === 'ClientRegistered')).toHaveLength(1);
    }
    expect(holders.size).toBe(ROWS);
  });

  it('the same file again, as a new job, creates no one and skips every row', async () => {
    const jobs = new ImportJobStore(studio.runtime.db);
    const imports = new Imports(studio.runtime.store, jobs);
    const job = await imports.create({
      id: '0b6f8a52-3d1e-4c7a-8e55-9a2b1c4d6e77',
      kind: 'clients',
      studioId: studio.studioId,
      actor: { type: 'system', id: 'resume-spec' },
      dryRun: false,
      fileName: 'clients.csv',
      filePath: file,
      mapping: {},
      dateOrder: 'auto',
    });
    // Past the first rows it asks each email's claim before registering: both ways skip.
    expect(await imports.start(job)).toMatchObject({
      status: 'completed',
      created: 0,
      updated: 0,
      skipped: ROWS,
      errors: 0,
    });
  });

  it('a job a stopped process left queued is run when the next one starts', async () => {
    const jobs = new ImportJobStore(studio.runtime.db);
    const small = join(dir, 'small.csv');
    writeFileSync(small, 'Name;E-mail\nMüller, Zoë;zoe@resume.example\n');
    const queued = await new Imports(studio.runtime.store, jobs).create({
      id: 'c3e1f0a2-5b6d-4e8f-9a1b-2c3d4e5f6a7b',
      kind: 'clients',
      studioId: studio.studioId,
      actor: { type: 'system', id: 'resume-spec' },
      dryRun: false,
      fileName: 'small.csv',
      filePath: small,
      mapping: {},
      dateOrder: 'auto',
    });
    await new Imports(studio.runtime.store, jobs).resumeUnfinished();
    await until(async () => (await jobs.get(studio.studioId, queued.id)).status === 'completed');
    expect(await jobs.get(studio.studioId, queued.id)).toMatchObject({ total: 1, created: 1 });
  });
});
