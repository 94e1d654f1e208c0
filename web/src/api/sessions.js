// Study sessions: one page at a time (the Log), or every one in a time range (Today). Changes go
// through the outbox: each answers the server's body, or { queued: true } while offline.

import { submit } from '../offline/outbox.js'
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
  return submit('POST', 'v1/sessions', fields, { kind: 'session-create', session: fields })
}

export function updateSession(session, changes) {
  return submit('PATCH', `v1/sessions/${session.id}`, changes, { kind: 'session-edit', id: session.id }, { version: session.version })
}

export function deleteSession(session) {
  return submit('DELETE', `v1/sessions/${session.id}`, undefined, { kind: 'session-delete', id: session.id }, { version: session.version })
}
