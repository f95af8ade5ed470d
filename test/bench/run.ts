import { benchAccounts } from './accounts.bench';
import { benchEnrollment } from './enrollment.bench';
import { benchEventStore } from './eventstore.bench';
import { benchHttp } from './http.bench';
import { benchRebuild } from './rebuild.bench';
import { benchReports } from './reports.bench';
import { benchImport, benchImportCredits } from './import.bench';
import { benchLimit } from './limit.bench';
import { benchSearch } from './search.bench';

/**
 * `npm run bench`: every benchmark against the PostgreSQL at DATABASE_URL, printed to stdout as
 * ONE JSON document (progress goes to stderr). Each section is one entry below.
 */
const sections: Record<string, (url: string) => Promise<object>> = {
  limit: benchLimit,
  eventStore: benchEventStore,
  registerClientOverHttp: benchHttp,
  clientSearch: benchSearch,
  salesAndCreditSpends: benchAccounts,
  enrollment: benchEnrollment,
  reports: benchReports,
  importClients: benchImport,
  importCredits: benchImportCredits,
  rebuild: benchRebuild,
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
  process.stdout.write(
    `${JSON.stringify(report, (_, value) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
