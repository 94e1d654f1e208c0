// ESLint flat config: JavaScript's recommended rules plus Vue's, for the UI's
// browser code, the Vitest tests next to it and the Node build scripts.
import js from '@eslint/js'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

export default [
  // The build output: Vite's dist/ default and where this project's build writes.
  { ignores: ['dist/', '../chalicelib/web/'] },
  js.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    languageOptions: {
      ecmaVersion: 'latest',
      sourceType: 'module',
      globals: globals.browser,
    },
    rules: {
      // Off: their fixes put line breaks inside an element's text, which Vue keeps as spaces, so the DOM would change.
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
    },
  },
  {
    // Vitest's describe/it/expect are imported explicitly; the tests still run under Node.
    files: ['src/**/*.test.js'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  {
    files: ['vite.config.js', 'eslint.config.js', 'scripts/**/*.{js,mjs}'],
    languageOptions: { globals: globals.node },
  },
]
