// The last moment the learner was active in the app on this device, so a forgotten timer can end
// there. Activity is a click, a key or the page being hidden; a pause longer than GAP ends a stretch.
// `stretchEnd` is the end of the stretch before the current one: when the learner comes back to a
// timer left running, it is the moment they left.

export const GAP = 10 * 60_000
const KEY = 'studytracker.activity'

/** The state after activity at `moment`: { last, stretchEnd }. */
export function nextActivity(state, moment, gap = GAP) {
  const last = state?.last ?? null
  if (last !== null && moment - last > gap) return { last: moment, stretchEnd: last }
  return { last: Math.max(moment, last ?? moment), stretchEnd: state?.stretchEnd ?? null }
}

/** When the learner was last active before `moment` ended their absence, if after `since`; else null. */
export function lastActiveSince(state, since) {
  const end = state?.stretchEnd ?? null
  return end !== null && end > since ? end : null
}

function read() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) ?? null
  } catch {
    return null
  }
}

/** Every tab of the app shares the one record: each reads it afresh, so none undoes another's. */
export function noteActivity(moment = Date.now()) {
  const stored = read()
  const next = nextActivity(stored, moment)
  if (stored && next.stretchEnd === stored.stretchEnd && moment - stored.last < 5_000) return // one write per 5 s
  localStorage.setItem(KEY, JSON.stringify(next))
}

/** Start listening (once, from main.js); the page opening counts as activity. */
export function trackActivity() {
  const note = () => noteActivity()
  for (const name of ['pointerdown', 'keydown']) window.addEventListener(name, note, { passive: true, capture: true })
  document.addEventListener('visibilitychange', note)
  note()
}

/** The moment a timer started at `since` (ms) could have been forgotten: the end of the last stretch. */
export function lastActive(since) {
  return lastActiveSince(read(), since)
}
