import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@clientele/database';

const VARIABLE = 'CLIENTELE_TEST_PGLITE_TEMPLATE';

/**
 * Jest's global setup: one PGlite data folder created once per run and saved to a file, which
 * every test's in-memory database starts from (workers inherit the variable naming it).
 */
export async function savePGliteTemplate(): Promise<void> {
  const db = await openDatabase({});
  try {
    const dump = await db.pglite!.dumpDataDir('none');
    const path = join(tmpdir(), `clientele-pglite-template-${process.pid}.tar`);
    await writeFile(path, Buffer.from(await dump.arrayBuffer()));
    process.env[VARIABLE] = path;
  } finally {
    await db.close();
  }
}

export async function removePGliteTemplate(): Promise<void> {
  const path = process.env[VARIABLE];
  if (path) await rm(path, { force: true });
}

let template: Blob | undefined;

/** The saved data folder, when the run has one (a single spec run outside Jest's setup has not). */
export function pgliteTemplate(): Blob | undefined {
  const path = process.env[VARIABLE];
  if (path && !template) template = new Blob([readFileSync(path)]);
  return template;
}
