// The learner's one running timer: its state, the seconds it has run, its focus phase, and the
// actions on it. Each action re-reads the timer afterwards when the network allows; offline, the
// screen shows the timer as the outbox's waiting changes leave it.

import { computed } from 'vue'
import { OfflineError } from '../api/client.js'
import { discardTimer, extendPhase, getTimer, skipPhase, startTimer, stopTimer } from '../api/timer.js'
import { blocksDone, phaseAt, scheduleOf, workBlocks } from '../lib/focus.js'
import { prepareAlerts } from '../lib/alerts.js'
import { known, timer } from '../state/timer.js'
import { useNow } from './useNow.js'

/** The focus phase of `timer` at `moment`: { kind, index, startedAt, endsAt, left, blocks }, or null. */
export function focusPhase(timer, moment) {
  if (timer?.mode !== 'focus') return null
  const schedule = scheduleOf(timer)
  const phase = phaseAt(schedule, moment)
  return { ...phase, left: Math.max(0, Math.ceil((phase.endsAt - moment) / 1000)), blocks: blocksDone(schedule, moment) }
}

/**
 * `alongside` loads what the caller shows next to the timer (stopping one files sessions) and
 * answers a function that applies it: both are applied in one go, so a stopped timer and the
 * sessions it filed appear together.
 */
export function useTimer(alongside = async () => () => {}) {
  const now = useNow()

  const elapsed = computed(() => (timer.value ? (now.value - Date.parse(timer.value.started_at)) / 1000 : 0))
  const phase = computed(() => focusPhase(timer.value, now.value))
  const forgotten = computed(() => Boolean(timer.value?.forgotten_at) && now.value >= Date.parse(timer.value.forgotten_at))
  /** The running timer's study so far, as the spans a stop now would file (for totals): breaks are not study. */
  const running = computed(() => {
    if (!timer.value) return []
    const iso = (ms) => new Date(ms).toISOString()
    if (timer.value.mode !== 'focus') return [{ started_at: timer.value.started_at, ended_at: iso(now.value) }]
    return workBlocks(scheduleOf(timer.value), now.value).map(([s, e]) => ({ started_at: iso(s), ended_at: iso(e) }))
  })

  async function refresh() {
    try {
      const [current, apply] = await Promise.all([getTimer(), alongside()])
      known.value = current
      apply()
    } catch (failure) {
      if (!(failure instanceof OfflineError)) throw failure // offline: keep what is known
    }
  }

  async function afterward(answer) {
    if (!answer?.queued) await refresh()
  }

  const keep = (changed) => { known.value = changed }

  async function start(subjectId, note, mode = 'stopwatch', focus = undefined) {
    const fields = { subject_id: subjectId }
    if (note) fields.note = note
    if (mode === 'focus') {
      fields.mode = 'focus'
      await prepareAlerts() // the learner's click: the only moment sound and the permission prompt are allowed
    }
    await afterward(await startTimer(fields, keep, focus))
  }

  async function stop(ended = Date.now(), link = {}) {
    await afterward(await stopTimer(timer.value, () => { known.value = null }, ended, link))
  }

  async function skip() {
    await afterward(await skipPhase(keep))
  }

  async function extend(minutes = 5) {
    await afterward(await extendPhase(minutes, keep))
  }

  async function discard() {
    await afterward(await discardTimer(() => { known.value = null }))
  }

  return { timer, elapsed, phase, forgotten, running, refresh, start, stop, skip, extend, discard }
}
