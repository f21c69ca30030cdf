// Lint: typescript-eslint's recommended rules (syntax-level, fast) plus the package boundary:
// no deep imports into another package's src/ — import '@carousel/<pkg>' and its named exports.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  // packages/lstm/wasm/infer.ts and math.ts are AssemblyScript with @inline decorators on functions,
  // which no TypeScript parser accepts; their checks are asc's (wasm-kernels.test.ts builds them).
  { ignores: ['packages/lstm/wasm/infer.ts', 'packages/lstm/wasm/math.ts', '**/node_modules/**', '**/dist/**', '.reports/**', 'test-output/**', '**/*.tmp.ts', 'services/dashboard/public/**', 'bench/results/**', 'packages/lstm/wasm/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@carousel/*/*', '@carousel/*/*/**', '!@carousel/bus/contract', '!@carousel/bus/testing'], message: 'Import the package entry (@carousel/<pkg>) or a subpath its package.json exports, not its files.' },
            { group: ['../../*/src/**', '../../../*/src/**', '../../../../*/src/**', '**/packages/*/src/**', '**/services/*/src/**'], message: "No deep imports into another package's src/: use its public entry." },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
