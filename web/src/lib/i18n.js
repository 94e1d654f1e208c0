// The UI's language: English or Japanese, first from the browser, then from the
// learner's saved `locale`; text lookup with {name} placeholders.

import { ref } from 'vue'
import { messages } from './messages.js'

export const locales = ['en', 'ja']

/** The first supported language among the browser's preferences, else English. */
export function chooseLocale(languages) {
  for (const tag of languages ?? []) {
    const base = String(tag).toLowerCase().split('-')[0]
    if (locales.includes(base)) return base
  }
  return 'en'
}

export const locale = ref('en')

export function setLocale(value) {
  locale.value = locales.includes(value) ? value : 'en'
  document.documentElement.lang = locale.value
}

export function translate(language, key, params = {}) {
  const text = messages[language][key] ?? messages.en[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, name) => params[name] ?? '')
}

export function t(key, params) {
  return translate(locale.value, key, params)
}
