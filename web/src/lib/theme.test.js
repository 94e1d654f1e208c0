import { describe, expect, it } from 'vitest'
import { chartInk, resolveTheme } from './theme.js'

describe('resolveTheme', () => {
  it('follows the device unless the learner picked a theme', () => {
    expect(resolveTheme('system', true)).toBe('dark')
    expect(resolveTheme('system', false)).toBe('light')
    expect(resolveTheme('light', true)).toBe('light')
    expect(resolveTheme('dark', false)).toBe('dark')
  })
})

describe('chartInk', () => {
  // WCAG relative luminance contrast, to keep chart text readable on the card in both themes.
  const luminance = (hex) => {
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
  }
  const contrast = (a, b) => {
    const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x)
    return (high + 0.05) / (low + 0.05)
  }

  it('draws text at 4.5:1 or more on the card, light and dark', () => {
    for (const which of ['light', 'dark']) {
      const ink = chartInk(which)
      expect(contrast(ink.text, ink.surface)).toBeGreaterThanOrEqual(4.5)
      expect(contrast(ink.strong, ink.surface)).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('makes the most studied heatmap day the one that stands out most from the card', () => {
    for (const which of ['light', 'dark']) {
      const { heat, surface } = chartInk(which)
      const against = heat.map((shade) => contrast(shade, surface))
      expect(against.slice(1)).toEqual([...against.slice(1)].sort((a, b) => a - b))
      expect(against[4]).toBeGreaterThanOrEqual(3) // WCAG's 3:1 for graphics
    }
  })
})
