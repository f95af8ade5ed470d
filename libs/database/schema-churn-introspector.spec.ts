import type { DatabaseIntrospector, TableMetadata } from 'kysely';
import { SchemaChurnIntrospector } from './schema-churn-introspector';

function failingWith(codes: string[]): DatabaseIntrospector & { calls: number } {
  const tables: TableMetadata[] = [{ name: 't', schema: 's', isView: false, columns: [] }];
  return {
    calls: 0,
    getSchemas: async () => [],
    async getTables() {
      const code = codes[this.calls++];
      if (code) throw Object.assign(new Error(`failed with ${code}`), { code });
      return tables;
    },
    getMetadata: async () => ({ tables }),
  };
}

describe('SchemaChurnIntrospector', () => {
  it('lists again when a schema or table vanished during the listing', async () => {
    const inner = failingWith(['3F000', '42P01']);
    const tables = await new SchemaChurnIntrospector(inner).getTables();
    expect(tables.map((table) => table.name)).toEqual(['t']);
    expect(inner.calls).toBe(3);
  });

  it('passes any other error on at once', async () => {
    const inner = failingWith(['42501']);
    await expect(new SchemaChurnIntrospector(inner).getTables()).rejects.toThrow('42501');
    expect(inner.calls).toBe(1);
  });

  it('gives up after five listings', async () => {
    const inner = failingWith(Array(6).fill('3F000'));
    await expect(new SchemaChurnIntrospector(inner).getMetadata()).rejects.toThrow('3F000');
    expect(inner.calls).toBe(5);
  });
});
