// The learner's one running timer; stopping it files a session (a focus timer: one per work block).
// Starts, stops, skips, extensions and discards go through the outbox (offline/outbox.js): each
// carries the moment the learner pressed the button, so one made offline is recorded as it happened,
// and reaches the server exactly once.

import { scheduleOf, workBlocks } from '../lib/focus.js'
import { submit } from '../offline/outbox.js'
import { apiOrNull } from './client.js'

const iso = (ms) => new Date(ms).toISOString()

/** The running timer, or null when none runs. */
export function getTimer() {
  return apiOrNull('v1/timer')
}

/**
 * Answers the timer, or { queued: true } while offline. `sent(timer)` runs when the server has it.
 * `focus` (the learner's focus settings) lets a focus timer started offline show its phases at once.
 */
export function startTimer(fields, sent, focus) {
  const body = { ...fields, started_at: iso(Date.now()) }
  return submit('POST', 'v1/timer/start', body, { kind: 'timer-start', focus }, { sent })
}

/** The sessions a stop at `ended` files, shown as pending until the server has them. */
function sessionsOf(timer, ended) {
  const base = { subject_id: timer.subject_id, note: timer.note ?? '' }
  if (timer.mode !== 'focus') return [{ ...base, started_at: timer.started_at, ended_at: iso(ended) }]
  return workBlocks(scheduleOf(timer), ended).map(([s, e]) => ({ ...base, focus: true, started_at: iso(s), ended_at: iso(e) }))
}

/**
 * Stops `timer` at `ended` (default now: a forgotten timer ends when the learner says). `link`
 * ({ target_id, amount }) counts the study for an exam target; a focus timer's amount is its last block's.
 */
export function stopTimer(timer, sent, ended = Date.now(), link = {}) {
  const fields = Object.fromEntries(Object.entries(link).filter(([, value]) => value !== null && value !== undefined))
  const sessions = timer ? sessionsOf(timer, ended) : []
  const linked = sessions.map((session, n) => ({
    ...session,
    ...(fields.target_id ? { target_id: fields.target_id } : {}),
    ...(n === sessions.length - 1 && fields.amount !== undefined ? { amount: fields.amount } : {}),
  }))
  return submit('POST', 'v1/timer/stop', { ended_at: iso(ended), ...fields }, { kind: 'timer-stop', sessions: linked }, { sent })
}

/** End the focus timer's phase now and begin the next. */
export function skipPhase(sent) {
  return submit('POST', 'v1/timer/skip', { at: iso(Date.now()) }, { kind: 'timer-skip' }, { sent })
}

/** Make the focus timer's phase `minutes` longer. */
export function extendPhase(minutes, sent) {
  return submit('POST', 'v1/timer/extend', { minutes, at: iso(Date.now()) }, { kind: 'timer-extend' }, { sent })
}

export function discardTimer(sent) {
  return submit('DELETE', 'v1/timer', undefined, { kind: 'timer-discard' }, { sent })
}
