// A focus timer's phase changes, on whichever screen is open: a chime and a notification at each
// one, and the time left in the page title. One timeout is armed for the exact end of the current
// phase (a single timeout, not a ticking interval, is what background tabs still run on time); the
// one-second tick re-arms it after a skip, an extension or a timer started on another device.

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
        if (next && next.startedAt === at) announce(t(`focus.phase.${next.kind}`), t(`focus.next.${next.kind}`, { minutes: Math.round((next.endsAt - next.startedAt) / 60_000) }))
      }, Math.max(0, at - Date.now())),
    }
  }

  watch([timer, now], () => {
    const current = focusPhase(timer.value, now.value)
    if (!current) {
      disarm()
      document.title = TITLE
      return
    }
    arm(current)
    document.title = `${formatCountdown(current.left)} ${t(`focus.phase.${current.kind}`)} · ${TITLE}`
  }, { immediate: true })

  onScopeDispose(() => {
    disarm()
    document.title = TITLE
  })
}
