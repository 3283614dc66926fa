// Boundary rules, run by `npm run lint` (depcruise src test). Each rule names the layout it keeps.

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'runtime-only-through-index',
      comment: 'The composition root mounts a module through its index.ts only.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'module-only-through-index',
      comment: 'A module reaches another module only through its index.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'module-not-runtime',
      comment: 'Modules never import the composition root.',
      severity: 'error',
      from: { path: '^src/modules/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'routes-not-repository',
      comment: 'Routes (public and internal) speak to a service or port, never to a repository.',
      severity: 'error',
      from: { path: '\\.(routes|internal)\\.ts$' },
      to: { path: '\\.repository\\.ts$' },
    },
    {
      name: 'src-not-test',
      // Product code never imports test code; the tests beside the code may use test/support.
      // analytics.test-server.ts is such a test helper (only tests import it; see the next rule).
      comment: 'src/ never imports test/.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '\\.test-server\\.ts$'] },
      to: { path: '^test/' },
    },
    {
      name: 'test-helpers-only-from-tests',
      comment: 'A *.test-server.ts helper in src/ is imported by tests only, never by product code.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['\\.test\\.ts$', '\\.test-server\\.ts$'] },
      to: { path: '\\.test(-server)?\\.ts$' },
    },
    {
      // The unit tier (scripts/test.mjs) runs every *.test.ts that is not *.db.test.ts: database-free.
      name: 'unit-tests-database-free',
      comment: 'A unit test opens no database, Redis or child process: name it *.db.test.ts, or move it to test/fleet.',
      severity: 'error',
      from: { path: '^src/.*\\.test\\.ts$', pathNot: '\\.db\\.test\\.ts$' },
      to: {
        path: [
          // (a worktree's node_modules may be a link to another checkout's: no ^ anchor)
          '(^|/)node_modules/(better-sqlite3|pg|ioredis)/',
          '^(node:)?child_process$',
          '^src/common/db(\\.postgres)?\\.ts$',
          '\\.(repository|migrations)\\.ts$',
          '^src/runtime/(monolith|service|supervisor)\\.ts$',
        ],
      },
    },
    {
      name: 'common-not-modules',
      comment: 'The shared kernel (common/) knows nothing of the modules or the runtime.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/(modules|runtime)/' },
    },
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a cycle through `import type` is still a cycle in the design.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|data)/' },
  },
};
