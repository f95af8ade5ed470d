import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Database } from '@clientele/database';

/**
 * The embedded default: one PGlite database on disk under the data folder. PGlite is one
 * process and one session, so exactly one process opens the folder. The API, when it owns it,
 * announces itself in `server.json` with a secret made at each start; the CLI then sends its
 * actions to the API (admin-actions.ts) instead of opening the folder. With no API running the
 * CLI opens the folder itself, under the same lock.
 */
export interface RunningServer {
  pid: number;
  url: string;
  adminSecret: string;
}

const lockFile = (dataDir: string) => join(dataDir, 'clientele.lock');
const serverFile = (dataDir: string) => join(dataDir, 'server.json');
const pgliteFolder = (dataDir: string) => join(dataDir, 'pgdata');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Folders this process holds: a second open in the same process would corrupt them too. */
const held = new Set<string>();

/** One opener at a time for the PGlite folder: two would corrupt it. */
function takeLock(dataDir: string, who: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = lockFile(dataDir);
  if (existsSync(path)) {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; who: string };
    if ((holder.pid !== process.pid || held.has(path)) && alive(holder.pid)) {
      throw new Error(
        `${dataDir} is in use by ${holder.who} (pid ${holder.pid}). Stop it first, or set DATABASE_URL to use a PostgreSQL server.`,
      );
    }
  }
  writeFileSync(path, JSON.stringify({ pid: process.pid, who }));
  held.add(path);
  return () => {
    held.delete(path);
    rmSync(path, { force: true });
  };
}

export async function openEmbedded(
  dataDir: string,
  who: string,
): Promise<{ db: Database; close(): Promise<void> }> {
  const release = takeLock(dataDir, who);
  try {
    const db = await openDatabase({ dataDir: pgliteFolder(dataDir) });
    return {
      db,
      async close() {
        rmSync(serverFile(dataDir), { force: true });
        await db.close();
        release();
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** Called by the API once it listens: from now on the CLI goes through it. */
export function announceServer(dataDir: string, url: string): RunningServer {
  const server: RunningServer = {
    pid: process.pid,
    url,
    adminSecret: randomBytes(32).toString('base64url'),
  };
  writeFileSync(serverFile(dataDir), JSON.stringify(server), { mode: 0o600 });
  return server;
}

/** The API running on this data folder, if one is. */
export function runningServer(dataDir: string): RunningServer | null {
  const path = serverFile(dataDir);
  if (!existsSync(path)) return null;
  const server = JSON.parse(readFileSync(path, 'utf8')) as RunningServer;
  return alive(server.pid) ? server : null;
}
