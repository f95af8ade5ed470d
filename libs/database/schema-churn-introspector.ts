import type { DatabaseIntrospector, DatabaseMetadataOptions, TableMetadata } from 'kysely';

// invalid_schema_name, undefined_table: what the catalog functions answer for a name dropped
// between the scan of pg_class and the call.
const VANISHED = new Set(['3F000', '42P01']);
const ATTEMPTS = 5;

/**
 * Kysely's Migrator finds its bookkeeping tables by listing every table of every schema; the
 * listing calls catalog functions by name, which fail when another connection drops a schema
 * or table (a finished rebuild, another process's tests) while the query runs. The next listing
 * no longer sees it, so list again.
 */
export class SchemaChurnIntrospector implements DatabaseIntrospector {
  constructor(private readonly inner: DatabaseIntrospector) {}

  getSchemas() {
    return this.inner.getSchemas();
  }

  async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inner.getTables(options);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= ATTEMPTS || typeof code !== 'string' || !VANISHED.has(code)) throw error;
      }
    }
  }

  async getMetadata(options?: DatabaseMetadataOptions) {
    return { tables: await this.getTables(options) };
  }
}
