// Light or dark: the device's preference (prefers-color-scheme) unless the learner picked one in
// Settings. The choice is this device's (a phone in bed may want dark, a desk not): localStorage.

import { computed, ref } from 'vue'

const KEY = 'studytracker.theme'
export const THEMES = ['system', 'light', 'dark']

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
const systemDark = ref(media?.matches ?? false)
media?.addEventListener('change', (event) => { systemDark.value = event.matches })

const stored = globalThis.localStorage?.getItem(KEY)
export const themeChoice = ref(THEMES.includes(stored) ? stored : 'system')

/** 'light' or 'dark' for a choice, given whether the device prefers dark. */
export function resolveTheme(choice, prefersDark) {
  if (choice === 'light' || choice === 'dark') return choice
  return prefersDark ? 'dark' : 'light'
}

export const theme = computed(() => resolveTheme(themeChoice.value, systemDark.value))

export function chooseTheme(choice) {
  themeChoice.value = THEMES.includes(choice) ? choice : 'system'
  localStorage.setItem(KEY, themeChoice.value)
}

/**
 * Colours the charts draw with (canvas cannot read CSS): text, grid lines, the card behind them, and
 * the heatmap's shades from an empty day to the most studied, which stands out most in either theme
 * (deepest green on light, brightest on dark).
 */
export function chartInk(which) {
  return which === 'dark'
    ? { text: '#cbd5e1', line: '#94a3b8', strong: '#e2e8f0', surface: '#1e293b', heat: ['#334155', '#14532d', '#16a34a', '#4ade80', '#bbf7d0'] }
    : { text: '#334155', line: '#334155', strong: '#0f172a', surface: '#ffffff', heat: ['#e2e8f0', '#bbf7d0', '#4ade80', '#16a34a', '#14532d'] }
}
