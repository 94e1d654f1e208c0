// Study sessions: one page at a time (the Log), or every one in a time range (Today).

import { api, listAll } from './client.js'

/** One page: { items, next_cursor }; query holds subject_id, from, to (ISO instants) and cursor. */
export function listSessionsPage(query) {
  return api('v1/sessions', { query })
}

/** Every session that starts in [from, to). */
export function listSessionsBetween(from, to) {
  return listAll('v1/sessions', { from: from.toISOString(), to: to.toISOString() })
}

export function createSession(fields) {
  return api('v1/sessions', { method: 'POST', body: fields })
}

export function updateSession(session, changes) {
  return api(`v1/sessions/${session.id}`, { method: 'PATCH', body: changes, version: session.version })
}

export function deleteSession(session) {
  return api(`v1/sessions/${session.id}`, { method: 'DELETE', version: session.version })
}
