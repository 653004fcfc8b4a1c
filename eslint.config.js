// Lint: the recommended rules of eslint and typescript-eslint, plus the layer rule of
// docs/ARCHITECTURE.md (only src/sys may import koffi).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const KOFFI = { name: 'koffi', message: 'Only src/sys may call koffi (docs/ARCHITECTURE.md: one FFI boundary).' };

/** Each folder of src and the folders it may import (docs/ARCHITECTURE.md). */
const LAYERS = {
  sys: [],
  inet: ['sys'],
  ns: ['sys'],
  netlink: ['sys', 'ns'],
  link: ['netlink', 'inet', 'ns', 'sys'],
  iproute: ['link', 'netlink', 'inet', 'ns', 'sys'],
  icmp: ['inet', 'ns', 'sys'],
  pcap: ['sys'],
  print: ['pcap', 'inet', 'sys'],
  capture: ['pcap', 'print', 'ns', 'sys'],
  lab: ['link', 'netlink', 'icmp', 'inet', 'ns', 'sys'],
  measure: ['lab', 'icmp', 'capture', 'pcap', 'print', 'link', 'netlink', 'inet', 'ns', 'sys'],
};
const FOLDERS = Object.keys(LAYERS);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.cache/**'] },
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
      'no-restricted-imports': ['error', { paths: [KOFFI] }],
    },
  },
  {
    // the report page's scripts run in a browser, as classic scripts of ES2017
    files: ['src/measure/bench/report/*.js'],
    languageOptions: {
      ecmaVersion: 2017,
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', uPlot: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', requestAnimationFrame: 'readonly' },
    },
    rules: { 'no-var': 'off' },
  },
  // the layers of docs/ARCHITECTURE.md: a folder imports only the folders below it
  ...Object.entries(LAYERS).map(([folder, allowed]) => ({
    files: [`src/${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        paths: folder === 'sys' ? [] : [KOFFI],
        patterns: FOLDERS.filter((f) => f !== folder && !allowed.includes(f)).map((f) => ({
          group: [`../${f}/*`, `../../${f}/*`, `../../../${f}/*`],
          message: `src/${folder} may not import src/${f} (docs/ARCHITECTURE.md: layers)`,
        })),
      }],
    },
  })),
);
