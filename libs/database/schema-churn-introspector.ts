import {
  sql,
  type DatabaseIntrospector,
  type DatabaseMetadataOptions,
  type Kysely,
  type SchemaMetadata,
  type TableMetadata,
} from 'kysely';

interface ColumnRow {
  schema: string;
  table: string;
  is_view: boolean;
  column: string;
  type: string;
  type_schema: string;
  not_null: boolean;
  has_default: boolean;
  serial: boolean;
  comment: string | null;
}

/**
 * Kysely's Migrator finds its bookkeeping tables by listing every table of every schema. Kysely's
 * own listing calls catalog functions by *name* (`has_schema_privilege`,
 * `pg_get_serial_sequence`), which fail when another connection drops a schema or table while
 * the query runs (a finished rebuild, a test suite). This listing asks the same of the catalog
 * by oid only, which a concurrent drop cannot make fail.
 */
export class SchemaChurnIntrospector implements DatabaseIntrospector {
  constructor(private readonly db: Kysely<unknown>) {}

  async getSchemas(): Promise<SchemaMetadata[]> {
    const { rows } = await sql<{
      name: string;
    }>`SELECT nspname AS name FROM pg_catalog.pg_namespace`.execute(this.db);
    return rows;
  }

  async getTables(options?: DatabaseMetadataOptions): Promise<TableMetadata[]> {
    const { rows } = await sql<ColumnRow>`
      SELECT ns.nspname AS schema, c.relname AS table, c.relkind = 'v' AS is_view,
             a.attname AS column, typ.typname AS type, tns.nspname AS type_schema,
             a.attnotnull AS not_null, a.atthasdef AS has_default,
             EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                     JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
                     WHERE d.refclassid = 'pg_catalog.pg_class'::regclass AND d.refobjid = c.oid
                       AND d.refobjsubid = a.attnum AND d.classid = 'pg_catalog.pg_class'::regclass) AS serial,
             col_description(c.oid, a.attnum) AS comment
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
      JOIN pg_catalog.pg_type typ ON typ.oid = a.atttypid
      JOIN pg_catalog.pg_namespace tns ON tns.oid = typ.typnamespace
      WHERE c.relkind IN ('r', 'v', 'p') AND ns.nspname !~ '^pg_'
        AND ns.nspname <> 'information_schema'
        AND has_schema_privilege(ns.oid, 'USAGE') IS TRUE
        AND a.attnum >= 0 AND NOT a.attisdropped
        AND (${options?.withInternalKyselyTables ?? false}
             OR c.relname NOT IN ('kysely_migration', 'kysely_migration_lock'))
      ORDER BY ns.nspname, c.relname, a.attnum`.execute(this.db);
    const tables = new Map<
      string,
      TableMetadata & { columns: TableMetadata['columns'][number][] }
    >();
    for (const row of rows) {
      const key = `${row.schema}.${row.table}`;
      let table = tables.get(key);
      if (!table) {
        table = { name: row.table, schema: row.schema, isView: row.is_view, columns: [] };
        tables.set(key, table);
      }
      table.columns.push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        hasDefaultValue: row.has_default,
        isAutoIncrementing: row.serial,
        ...(row.comment !== null ? { comment: row.comment } : {}),
      });
    }
    return [...tables.values()];
  }

  async getMetadata(options?: DatabaseMetadataOptions) {
    return { tables: await this.getTables(options) };
  }
}
