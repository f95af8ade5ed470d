import { benchAccounts } from './accounts.bench';
import { benchEnrollment } from './enrollment.bench';
import { benchEventStore } from './eventstore.bench';
import { benchHttp } from './http.bench';
import { benchRebuild } from './rebuild.bench';
import { benchReports } from './reports.bench';
import { benchImport, benchImportCredits } from './import.bench';
import { benchLimit } from './limit.bench';
import { benchCommandMix } from './mix.bench';
import { benchAtScale } from './scale.bench';
import { benchSearch } from './search.bench';
import { writeSummary } from './summary';
import { join } from 'node:path';

/**
 * `npm run bench`: every benchmark against the PostgreSQL at DATABASE_URL, printed to stdout as
 * ONE JSON document (progress goes to stderr). Each section is one entry below.
 */
const sections: Record<string, (url: string) => Promise<object>> = {
  limit: benchLimit,
  eventStore: benchEventStore,
  commandMix: benchCommandMix,
  registerClientOverHttp: benchHttp,
  clientSearch: benchSearch,
  salesAndCreditSpends: benchAccounts,
  enrollment: benchEnrollment,
  reports: benchReports,
  importClients: benchImport,
  importCredits: benchImportCredits,
  rebuild: benchRebuild,
  atScale: benchAtScale,
  // Add further sections here: `name: (url) => benchSomething(url)`.
};

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const report: Record<string, object> = {};
  // `npm run bench -- NAME …` runs only the sections named.
  const only = process.argv.slice(2);
  for (const [name, bench] of Object.entries(sections)) {
    if (only.length > 0 && !only.includes(name)) continue;
    console.error(`bench: ${name}…`);
    report[name] = await bench(url);
  }
  const json = JSON.stringify(
    report,
    (_, value) => (typeof value === 'bigint' ? value.toString() : value),
    2,
  );
  process.stdout.write(`${json}\n`);
  // With the limit, the run at scale and the import in it: the table of docs/benchmarks.md.
  if (await writeSummary(JSON.parse(json) as object, join(__dirname, '..', '..', '..'))) {
    console.error('bench: docs/benchmarks.md and docs/benchmarks.json written');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
