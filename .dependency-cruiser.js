/**
 * The import rules of the architecture (shared/spec/architecture.md, "Layout"), checked by
 * `npm run imports` as part of `npm test`: the domain stays pure, adapters know no entry point,
 * handlers use no CLI code, and no module imports itself back through a cycle.
 */
const OUTER = ['^adapters/', '^handlers/', '^scripts/', '^wiring\\.ts$', '^config\\.ts$'];

module.exports = {
  forbidden: [
    {
      name: 'domain-is-inner',
      comment:
        'domain/ is pure functions over plain data: it imports no adapter, handler, script, wiring or config.',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: OUTER },
    },
    {
      name: 'domain-no-aws',
      comment: 'domain/ imports nothing from AWS (neither the SDK nor the Lambda types).',
      severity: 'error',
      from: { path: '^domain/' },
      to: { path: 'node_modules/(@aws-sdk/|aws-lambda/|@types/aws-lambda/)' },
    },
    {
      name: 'domain-no-node-builtins',
      comment: 'domain/ does no I/O, so it imports no Node.js built-in module (node:fs, crypto, ...).',
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'adapters-below-entry-points',
      comment:
        'adapters/ import domain types only: no handler, script, wiring, nor the settings (config.ts).',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: ['^handlers/', '^scripts/', '^wiring\\.ts$', '^config\\.ts$'] },
    },
    {
      name: 'handlers-no-scripts',
      comment: 'handlers/ are Lambda entry points: they never import CLI code from scripts/.',
      severity: 'error',
      from: { path: '^handlers/' },
      to: { path: '^scripts/' },
    },
    {
      name: 'wiring-below-entry-points',
      comment:
        'wiring.ts, the composition root, is imported by handlers and scripts, never the other way round.',
      severity: 'error',
      from: { path: '^wiring\\.ts$' },
      to: { path: ['^handlers/', '^scripts/'] },
    },
    {
      name: 'config-imports-domain-only',
      comment: 'config.ts, the one configuration, builds on domain/ only.',
      severity: 'error',
      from: { path: '^config\\.ts$' },
      to: { path: ['^adapters/', '^handlers/', '^scripts/', '^wiring\\.ts$'] },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes the load order matter and the modules impossible to understand one by one.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Type-only imports count: a domain file importing an adapter's type still depends on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
