// Keyboard shortcuts, as plain functions (tested in shortcuts.test.js): which key does what, and
// when a key is the learner typing rather than a shortcut.

export const SCREEN_KEYS = ['today', 'log', 'subjects', 'stats', 'targets', 'settings'] // keys 1 to 6

/** What the overlay lists, in order: [key, i18n key of what it does]. */
export const SHORTCUTS = [
  ['s', 'shortcuts.timer'],
  ['k', 'shortcuts.skip'],
  ['n', 'shortcuts.new_session'],
  ['1–6', 'shortcuts.screens'],
  ['?', 'shortcuts.help'],
]

function typing(target) {
  const tag = target?.tagName
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || Boolean(target?.isContentEditable)
}

/** The command a keydown asks for ({ name, screen? }), or null (typing, a modifier, another key). */
export function commandFor(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || typing(event.target)) return null
  if (event.key === '?') return { name: 'help' }
  if (event.key === 's' || event.key === 'S') return { name: 'timer', screen: 'today' }
  if (event.key === 'k' || event.key === 'K') return { name: 'skip', screen: 'today' }
  if (event.key === 'n' || event.key === 'N') return { name: 'new-session', screen: 'log' }
  const index = Number(event.key) - 1
  if (Number.isInteger(index) && index >= 0 && index < SCREEN_KEYS.length) return { name: 'screen', screen: SCREEN_KEYS[index] }
  return null
}
