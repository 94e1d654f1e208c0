import { describe, expect, it } from 'vitest'
import { chooseLocale, translate } from './i18n.js'
import { messages } from './messages.js'

describe('chooseLocale', () => {
  it('takes the first supported language of the browser', () => {
    expect(chooseLocale(['ja-JP', 'en-US'])).toBe('ja')
    expect(chooseLocale(['fr-FR', 'en-GB', 'ja'])).toBe('en')
    expect(chooseLocale(['de', 'JA'])).toBe('ja')
  })

  it('falls back to English', () => {
    expect(chooseLocale(['fr', 'zh-CN'])).toBe('en')
    expect(chooseLocale([])).toBe('en')
    expect(chooseLocale(undefined)).toBe('en')
  })
})

describe('translate', () => {
  it('fills placeholders', () => {
    expect(translate('en', 'today.running', { subject: 'Math' })).toBe('Studying Math')
    expect(translate('ja', 'today.running', { subject: '数学' })).toBe('数学 を勉強中')
  })

  it('shows the key itself for a text nobody wrote, so the gap is visible', () => {
    expect(translate('ja', 'no.such.key')).toBe('no.such.key')
  })

  it('has every text in both languages', () => {
    expect(Object.keys(messages.ja).sort()).toEqual(Object.keys(messages.en).sort())
  })

  it('keeps the same placeholders in both languages', () => {
    const placeholders = (text) => (text.match(/\{\w+\}/g) ?? []).sort()
    for (const key of Object.keys(messages.en)) {
      expect(placeholders(messages.ja[key]), key).toEqual(placeholders(messages.en[key]))
    }
  })
})
