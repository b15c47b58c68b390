// Lint: rules that catch real mistakes, plus line length; layout itself is prettier's job
// (`npm run format`). `npm test` runs both checks.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'data/**',
      'models/**',
      '.tmp/**',
      '**/dist/**',
      'migrations/**',
      'apps/cli/.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: globals.node } },
  {
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  {
    // Tests read untyped JSON bodies from the API on purpose.
    files: ['tests/**', 'benchmarks/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
