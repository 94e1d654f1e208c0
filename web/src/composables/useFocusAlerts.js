// A focus timer's phase changes, on whichever screen is open: a chime and a notification at each
// one, and the time left in the page title. One timeout is armed for the exact end of the current
// phase (a single timeout, not a ticking interval, is what background tabs still run on time); the
// one-second tick re-arms it after a skip, an extension or a timer started on another device, and
// announces a phase change itself when it sees one first (re-arming would otherwise cancel that
// phase's timeout before it fired: CI once saw the break on screen and no notification). Each phase
// is announced once, by whichever sees it first; a phase begun by a skip is not announced.

import { onScopeDispose, watch } from 'vue'
import { announce } from '../lib/alerts.js'
import { formatCountdown } from '../lib/format.js'
import { t } from '../lib/i18n.js'
import { timer } from '../state/timer.js'
import { focusPhase } from './useTimer.js'
import { useNow } from './useNow.js'

const TITLE = document.title

export function useFocusAlerts() {
  const now = useNow()
  let armed = null // { at, timeout }
  let shown = null // the phase on screen at the last tick: { startedAt, endsAt }
  let announced = null // startedAt of the last phase announced

  function announceOnce(phase) {
    if (announced === phase.startedAt) return
    announced = phase.startedAt
    const minutes = Math.round((phase.endsAt - phase.startedAt) / 60_000)
    announce(t(`focus.phase.${phase.kind}`), t(`focus.next.${phase.kind}`, { minutes }))
  }

  function disarm() {
    if (armed) clearTimeout(armed.timeout)
    armed = null
  }

  function arm(current) {
    if (armed?.at === current.endsAt) return
    disarm()
    const at = current.endsAt
    armed = {
      at,
      timeout: setTimeout(() => {
        const next = focusPhase(timer.value, at)
        if (next && next.startedAt === at) announceOnce(next)
      }, Math.max(0, at - Date.now())),
    }
  }

  watch([timer, now], () => {
    const current = focusPhase(timer.value, now.value)
    if (!current) {
      disarm()
      shown = null
      document.title = TITLE
      return
    }
    // A phase that began where the one on screen was due to end followed it on schedule.
    if (shown && current.startedAt !== shown.startedAt && current.startedAt === shown.endsAt) announceOnce(current)
    shown = { startedAt: current.startedAt, endsAt: current.endsAt }
    arm(current)
    document.title = `${formatCountdown(current.left)} ${t(`focus.phase.${current.kind}`)} · ${TITLE}`
  }, { immediate: true })

  onScopeDispose(() => {
    disarm()
    document.title = TITLE
  })
}
