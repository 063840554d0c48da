// The layers of src/ (STYLE.md, "What this gives orchestra"), checked by `npm run lint:deps` and by
// test/layers.test.ts in `npm test`. No known-violations baseline: a violation fails the run.
//
//   errors.ts   shared by all
//   core        pure: only core, errors.ts and pure libraries (zod, picomatch, re2js); no I/O, no clock, no randomness
//   store       core, errors.ts
//   daemon      core, store
//   dashboard   core, store
//   mcp         core, store
//   cli         anything (the watchdog's terminal rendering and the demo live under src/cli/)
// Nothing imports cli; daemon and dashboard never import each other; each third-party library with I/O or a
// large surface enters through one file; no cycles.

/** The CLI layer. */
const CLI = '^src/cli/';
const ERRORS = '^src/errors\\.ts$';

/** A package's files, wherever node_modules is (it may be a symbolic link to another checkout's). */
const pkg = (name) => `(^|/)node_modules/${name.replace(/[.]/g, '\\.')}/`;

/** Node built-ins that do I/O or bring the clock and randomness in: never in core. */
const IO_BUILTINS = '^(node:)?(fs|fs/promises|child_process|net|http|https|http2|os|dgram|tls|dns|worker_threads|cluster|readline|crypto|perf_hooks|timers|timers/promises)$';

/** src/ modules of the given layers (folder names under src/). */
const layers = (...names) => `^src/(${names.join('|')})/`;

/** Each of these enters through exactly one file of src/ (its subpaths count as the package). */
const SINGLE_IMPORTER = ['chokidar', 'simple-git', 'gray-matter', '@anthropic-ai/sdk', 'yaml', 'pino', '@modelcontextprotocol/sdk'];

/** Which layers may import a single-importer package at all. */
const PACKAGE_LAYERS = {
  chokidar: 'store',
  'simple-git': 'store',
  'gray-matter': 'store',
  '@modelcontextprotocol/sdk': 'mcp',
};

const layerRule = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: 'error',
  from: { path: layers(from) },
  to: { path: '^src/', pathNot: [ERRORS, ...allowed.map((l) => layers(l))] },
});

module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-core',
      comment: 'core is pure: it may import only core and src/errors.ts',
      severity: 'error',
      from: { path: layers('core') },
      to: { path: '^src/', pathNot: [ERRORS, layers('core')] },
    },
    {
      name: 'core-pure-libraries-only',
      comment: 'core may use zod, picomatch and re2js, nothing else from node_modules',
      severity: 'error',
      from: { path: layers('core') },
      to: { path: '(^|/)node_modules/', pathNot: [pkg('zod'), pkg('picomatch'), pkg('re2js')] },
    },
    {
      name: 'core-no-io-builtins',
      comment: 'core does no I/O: file system, processes, network, OS, clock and randomness are injected',
      severity: 'error',
      from: { path: layers('core') },
      to: { dependencyTypes: ['core'], path: IO_BUILTINS },
    },
    layerRule('store-imports-core', 'store', ['store', 'core'], 'store may import only store, core and src/errors.ts'),
    layerRule('daemon-imports-core-store', 'daemon', ['daemon', 'core', 'store'], 'daemon may import only daemon, core, store and src/errors.ts'),
    layerRule('dashboard-imports-core-store', 'dashboard', ['dashboard', 'core', 'store'], 'dashboard may import only dashboard, core, store and src/errors.ts'),
    layerRule('mcp-imports-core-store', 'mcp', ['mcp', 'core', 'store'], 'mcp may import only mcp, core, store and src/errors.ts'),
    {
      name: 'errors-imports-nothing',
      comment: 'src/errors.ts is shared by every layer, so it depends on none',
      severity: 'error',
      from: { path: ERRORS },
      to: { path: '^src/' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'the CLI is the outermost layer: no other layer imports it',
      severity: 'error',
      from: { path: '^src/', pathNot: CLI },
      to: { path: CLI },
    },
    {
      name: 'daemon-not-dashboard',
      comment: 'the daemon and the dashboard never import each other (share through core and store)',
      severity: 'error',
      from: { path: layers('daemon') },
      to: { path: layers('dashboard') },
    },
    {
      name: 'dashboard-not-daemon',
      comment: 'the daemon and the dashboard never import each other (share through core and store)',
      severity: 'error',
      from: { path: layers('dashboard') },
      to: { path: layers('daemon') },
    },
    // One file per library: a module rule on the package's files (each file of it imported from at most one
    // src/ file). test/layers.test.ts also counts a package's subpaths together.
    ...SINGLE_IMPORTER.map((name) => ({
      name: `one-importer-${name.replace(/^@/, '').replace(/\//g, '-')}`,
      comment: `${name} is imported by one file of src/ only, so a swap or an upgrade touches one place`,
      severity: 'error',
      module: { path: pkg(name), numberOfDependentsMoreThan: 1 },
      from: { path: '^src/' },
    })),
    ...Object.entries(PACKAGE_LAYERS).map(([name, layer]) => ({
      name: `${name.replace(/^@/, '').replace(/\//g, '-')}-only-in-${layer}`,
      comment: `${name} belongs to the ${layer} layer (STYLE.md)`,
      severity: 'error',
      from: { path: '^src/', pathNot: layers(layer) },
      to: { path: pkg(name) },
    })),
    {
      name: 'no-circular',
      comment: 'no import cycles, type-only imports included',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a typo would otherwise hide a dependency from these rules)',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Lazy loads (`await import('yaml')`, `createRequire(...)('zod')`) are dependencies too.
    exoticRequireStrings: ['require'],
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
