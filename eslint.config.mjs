// ESLint (flat config): typescript-eslint's recommended rules, the type-aware promise rules over the
// TypeScript sources, the jest rules over the tests; Prettier owns the layout (`npm run format:check`).
import js from '@eslint/js'
import { defineConfig } from 'eslint/config'
import prettier from 'eslint-config-prettier'
import jest from 'eslint-plugin-jest'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.node,
      // Type information for the type-aware rules below comes from tsconfig.json (every .ts file).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // The code looks for control characters on purpose (file names, SQL text, log lines).
      'no-control-regex': 'off',
      // A promise nobody awaits loses its error: a statement that fails after the run has moved on.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // tsc's noUnusedLocals/noUnusedParameters already fail the build; `_name` marks a deliberate one.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }]
    }
  },
  {
    // Plain JavaScript (scripts, configs, the jest setup) is outside tsconfig.json: no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked
  },
  {
    files: ['__tests__/**', 'testkit/**'],
    ...jest.configs['flat/recommended'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      ...jest.configs['flat/recommended'].rules,
      // golden() asserts with expect() itself.
      'jest/expect-expect': ['error', { assertFunctionNames: ['expect', 'golden'] }],
      // Table-driven tests assert per case what that case promises.
      'jest/no-conditional-expect': 'off',
      // Parsed YAML and JSON are walked without declaring their whole shape.
      '@typescript-eslint/no-explicit-any': 'off'
    }
  },
  {
    // The test kit (emulators, servers, the shared contract suites) exports what the test files run.
    files: ['testkit/**'],
    rules: { 'jest/no-export': 'off' }
  },
  prettier
)
