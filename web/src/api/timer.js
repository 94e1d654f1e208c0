// The learner's one running timer; stopping it files a session. Starts, stops and discards go
// through the outbox (offline/outbox.js): each carries the moment the learner pressed the button,
// so one made offline is recorded as it happened, and reaches the server exactly once.

import { submit } from '../offline/outbox.js'
import { apiOrNull } from './client.js'

/** The running timer, or null when none runs. */
export function getTimer() {
  return apiOrNull('v1/timer')
}

/** Answers the timer, or { queued: true } while offline. `sent(timer)` runs when the server has it. */
export function startTimer(fields, sent) {
  const body = { ...fields, started_at: new Date().toISOString() }
  return submit('POST', 'v1/timer/start', body, { kind: 'timer-start' }, { sent })
}

/** Stops `timer` now; the session it files is shown as pending until the server has it. */
export function stopTimer(timer, sent) {
  const ended = new Date().toISOString()
  const session = timer && { subject_id: timer.subject_id, note: timer.note ?? '', started_at: timer.started_at, ended_at: ended }
  return submit('POST', 'v1/timer/stop', { ended_at: ended }, { kind: 'timer-stop', session }, { sent })
}

export function discardTimer(sent) {
  return submit('DELETE', 'v1/timer', undefined, { kind: 'timer-discard' }, { sent })
}
