// Lint: the recommended rules of eslint and typescript-eslint, plus the layer rule of
// docs/ARCHITECTURE.md (only src/sys may import koffi).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'bin/**/*.ts', 'bench/**/*.ts'],
    ignores: ['src/sys/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'koffi', message: 'Only src/sys may call koffi (docs/ARCHITECTURE.md: one FFI boundary).' }] }],
    },
  },
);
