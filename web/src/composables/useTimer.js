// The learner's one running timer: its state, the seconds it has run, and the
// actions on it. Each action re-reads the timer afterwards when the network allows;
// offline, the screen shows the timer as the outbox's waiting changes leave it.

import { computed, ref } from 'vue'
import { OfflineError } from '../api/client.js'
import { discardTimer, getTimer, startTimer, stopTimer } from '../api/timer.js'
import { entries } from '../offline/outbox.js'
import { timerAfter } from '../offline/queue.js'
import { useNow } from './useNow.js'

/**
 * `alongside` loads what the caller shows next to the timer (stopping one files a
 * session) and answers a function that applies it: both are applied in one go,
 * so a stopped timer and the session it filed appear together.
 */
export function useTimer(alongside = async () => () => {}) {
  const known = ref(null) // the server's timer, as last read
  const timer = computed(() => timerAfter(entries.value, known.value))
  const now = useNow()

  const elapsed = computed(() => (timer.value ? (now.value - Date.parse(timer.value.started_at)) / 1000 : 0))
  /** The running timer as a span ending now (for totals), or null. */
  const running = computed(() => (timer.value
    ? { started_at: timer.value.started_at, ended_at: new Date(now.value).toISOString() }
    : null))

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

  async function start(subjectId, note) {
    const fields = { subject_id: subjectId }
    if (note) fields.note = note
    await afterward(await startTimer(fields, (started) => { known.value = started }))
  }

  async function stop() {
    await afterward(await stopTimer(timer.value, () => { known.value = null }))
  }

  async function discard() {
    await afterward(await discardTimer(() => { known.value = null }))
  }

  return { timer, elapsed, running, refresh, start, stop, discard }
}
