/**
 * The architecture, checked rather than hoped for (docs/adr/0001-architecture.md):
 * - a context's domain/ is pure: no Nest, no database, no other context;
 * - a context is entered only through its index.ts;
 * - libraries never reach into apps.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'domain/ holds deciders: no framework, no I/O, no infrastructure',
      severity: 'error',
      from: { path: '^libs/[^/]+/domain/' },
      to: {
        path: [
          '^node_modules/(@nestjs|kysely|pg|@electric-sql|@eventstore|stripe|fast-csv)',
          '^libs/(eventstore|database)/',
          '^libs/[^/]+/application/',
          '^projections/',
          '^apps/',
        ],
      },
    },
    {
      name: 'domain-stays-in-its-context',
      comment: 'a domain may use the shared kernel and its own context only',
      severity: 'error',
      from: { path: '^libs/([^/]+)/domain/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/shared/'] },
    },
    {
      name: 'enter-contexts-through-their-index',
      comment: 'other code sees a context only through libs/<context>/index.ts',
      severity: 'error',
      from: { path: '^(apps|projections|libs/([^/]+))/' },
      to: {
        path: '^libs/([^/]+)/.+',
        pathNot: ['^libs/$2/', '^libs/[^/]+/index\\.ts$', '^libs/[^/]+/testing/'],
      },
    },
    {
      name: 'libs-do-not-import-apps',
      severity: 'error',
      from: { path: '^(libs|projections)/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
