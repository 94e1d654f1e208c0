// The outbox's rules, as plain functions (tested in queue.test.js): what an answer means for a
// queued change, and what the screen shows while changes wait.

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
    if (entry.meta?.kind === 'timer-start') timer = { ...entry.body, pending: true }
    if (entry.meta?.kind === 'timer-stop' || entry.meta?.kind === 'timer-discard') timer = null
  }
  return timer
}

/** Sessions the learner made that the server does not have yet (a stopped timer's, a manual one). */
export function pendingSessions(entries) {
  return waiting(entries)
    .filter((entry) => entry.meta?.session)
    .map((entry) => {
      const { started_at: started, ended_at: ended } = entry.meta.session
      const seconds = Math.max(0, Math.round((Date.parse(ended) - Date.parse(started)) / 1000))
      return { tags: [], note: '', ...entry.meta.session, duration_seconds: seconds, id: `pending-${entry.id}`, pending: true }
    })
}
