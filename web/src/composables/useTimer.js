// The learner's one running timer: its state, the seconds it has run, and the
// actions on it. Each action re-reads the timer afterwards.

import { computed, ref } from 'vue'
import { discardTimer, getTimer, startTimer, stopTimer } from '../api/timer.js'
import { useNow } from './useNow.js'

/**
 * `alongside` loads what the caller shows next to the timer (stopping one files a
 * session) and answers a function that applies it: both are applied in one go,
 * so a stopped timer and the session it filed appear together.
 */
export function useTimer(alongside = async () => () => {}) {
  const timer = ref(null)
  const now = useNow()

  const elapsed = computed(() => (timer.value ? (now.value - Date.parse(timer.value.started_at)) / 1000 : 0))
  /** The running timer as a span ending now (for totals), or null. */
  const running = computed(() => (timer.value
    ? { started_at: timer.value.started_at, ended_at: new Date(now.value).toISOString() }
    : null))

  async function refresh() {
    const [current, apply] = await Promise.all([getTimer(), alongside()])
    timer.value = current
    apply()
  }

  async function start(subjectId, note) {
    const fields = { subject_id: subjectId }
    if (note) fields.note = note
    await startTimer(fields)
    await refresh()
  }

  async function stop() {
    await stopTimer()
    await refresh()
  }

  async function discard() {
    await discardTimer()
    await refresh()
  }

  return { timer, elapsed, running, refresh, start, stop, discard }
}
