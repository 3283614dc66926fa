import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'web/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/ban-ts-comment': 'error',
    },
  },
  {
    // The dashboard runs in the browser (TypeScript's own checks already know the DOM; this is for
    // plain JS there). Listed by hand: the `globals` package is not a dependency of ours.
    files: ['web/**'],
    languageOptions: {
      globals: {
        window: 'readonly', document: 'readonly', navigator: 'readonly', location: 'readonly', history: 'readonly',
        fetch: 'readonly', Response: 'readonly', Event: 'readonly', URLSearchParams: 'readonly', ResizeObserver: 'readonly',
        getComputedStyle: 'readonly', addEventListener: 'readonly', removeEventListener: 'readonly', dispatchEvent: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', HTMLElement: 'readonly',
      },
    },
  },
  {
    // .dependency-cruiser.cjs is CommonJS (the tool's config format).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // A module reaches another only through its index.ts, and never into the composition root.
    files: ['src/modules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./(?!\\.\\.)[^/]+/(?!index\\.ts$)', message: 'Import another module only through its index.ts.' },
            { group: ['**/runtime/**'], message: 'Modules never import the composition root.' },
          ],
        },
      ],
    },
  },
  {
    // The shared kernel knows nothing of the modules.
    files: ['src/common/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/modules/**', '**/runtime/**'], message: 'common/ never imports modules/ or runtime/.' }] }],
    },
  },
);
