// The outbox's rules, as plain functions (tested in queue.test.js): what an answer means for a
// queued change, and what the screen shows while changes wait.

import { extend, scheduleOf, skip, storedSchedule } from '../lib/focus.js'

/** 'sent' (done), 'refused' (the learner must see it), or 'retry' (later, in the same order). */
export function outcomeOf(status) {
  if (status >= 200 && status < 300) return 'sent'
  if (status === 401 || status === 408 || status === 429 || status >= 500) return 'retry'
  return 'refused'
}

/** The waiting changes, oldest first (refused ones wait for the learner, not for the network). */
export function waiting(entries) {
  return entries.filter((entry) => entry.state === 'waiting')
}

/**
 * The timer as the learner left it: the server's (or last known) timer with every change that has
 * not reached the server yet applied in order.
 */
export function timerAfter(entries, known) {
  let timer = known
  for (const entry of waiting(entries)) {
    const kind = entry.meta?.kind
    if (kind === 'timer-start') timer = startedTimer(entry)
    if (kind === 'timer-stop' || kind === 'timer-discard') timer = null
    if ((kind === 'timer-skip' || kind === 'timer-extend') && timer?.mode === 'focus') timer = reanchored(timer, entry)
  }
  return timer
}

function startedTimer(entry) {
  const timer = { mode: 'stopwatch', ...entry.body, pending: true }
  return timer.mode === 'focus' && entry.meta.focus ? { ...timer, focus: entry.meta.focus } : timer
}

/** A skip or an extension the server has not seen, applied as the server will (at the moment pressed). */
function reanchored(timer, entry) {
  const at = Date.parse(entry.body.at)
  const schedule = scheduleOf(timer)
  const changed = entry.meta.kind === 'timer-skip' ? skip(schedule, at) : extend(schedule, at, entry.body.minutes * 60_000)
  return { ...timer, schedule: storedSchedule(changed), pending: true }
}

function secondsOf(session) {
  return Math.max(0, Math.round((Date.parse(session.ended_at) - Date.parse(session.started_at)) / 1000))
}

/** Sessions the learner made that the server does not have yet (a stopped timer's, a manual one). */
export function pendingSessions(entries) {
  return waiting(entries).flatMap((entry) => {
    // A focus timer's stop files one session per work block; a stopwatch's and a manual one, one.
    const made = entry.meta?.sessions ?? (entry.meta?.session ? [entry.meta.session] : [])
    return made.map((fields, n) => {
      const session = { tags: [], note: '', ...fields }
      const id = made.length > 1 ? `pending-${entry.id}-${n + 1}` : `pending-${entry.id}`
      return { ...session, duration_seconds: secondsOf(session), id, pending: true }
    })
  })
}

/** A session shown from the outbox alone: the server has no id for it yet, so it cannot be edited. */
export function notCreatedYet(session) {
  return session.id.startsWith('pending-')
}

/**
 * The sessions as the learner left them: `sessions` (the server's, as last read) with every waiting
 * edit applied and every waiting delete removed, after the waiting new ones that `keep` accepts.
 */
export function sessionsAfter(entries, sessions, keep = () => true) {
  const edits = new Map()
  const deleted = new Set()
  for (const entry of waiting(entries)) {
    const id = entry.meta?.id
    if (entry.meta?.kind === 'session-edit') edits.set(id, { ...edits.get(id), ...entry.body })
    if (entry.meta?.kind === 'session-delete') deleted.add(id)
  }
  const known = sessions
    .filter((session) => !deleted.has(session.id))
    .map((session) => {
      if (!edits.has(session.id)) return session
      const edited = { ...session, ...edits.get(session.id), pending: true }
      return { ...edited, duration_seconds: secondsOf(edited) }
    })
  return [...pendingSessions(entries).filter(keep), ...known]
}

/**
 * The entries after `sent` reached the server and answered `body`: later changes to the same item
 * carry its new version, so two edits made offline in a row do not refuse each other.
 */
export function afterSent(entries, sent, body) {
  const rest = entries.filter((entry) => entry.id !== sent.id)
  if (!body?.id || body.version === undefined) return rest
  return rest.map((entry) => (entry.meta?.id === body.id && entry.version !== undefined
    ? { ...entry, version: body.version }
    : entry))
}

const CHANGE_KINDS = new Set(['timer-start', 'timer-stop', 'timer-discard', 'session-create', 'session-edit',
  'session-delete', 'subject-create', 'subject-edit', 'subject-archive', 'settings'])

/** The i18n keys that explain a refused change: what it was, and why it was refused (by status). */
export function refusalKeys(entry) {
  const kind = CHANGE_KINDS.has(entry.meta?.kind) ? entry.meta.kind : 'other'
  const status = entry.error?.status
  const reason = status === 404 ? 'gone' : status === 409 || status === 412 ? 'changed' : 'invalid'
  return { what: `outbox.kind.${kind}`, why: `outbox.why.${reason}` }
}
