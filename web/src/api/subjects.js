// Subjects: DELETE archives one (it stays for the sessions filed under it). Changes go through the
// outbox: each answers the server's body, or { queued: true } while offline.

import { submit } from '../offline/outbox.js'
import { listAll } from './client.js'

export function listSubjects() {
  return listAll('v1/subjects')
}

export function createSubject(fields) {
  return submit('POST', 'v1/subjects', fields, { kind: 'subject-create' })
}

export function updateSubject(subject, changes) {
  return submit('PATCH', `v1/subjects/${subject.id}`, changes, { kind: 'subject-edit', id: subject.id }, { version: subject.version })
}

export function archiveSubject(subject) {
  return submit('DELETE', `v1/subjects/${subject.id}`, undefined, { kind: 'subject-archive', id: subject.id }, { version: subject.version })
}

export function restoreSubject(subject) {
  return updateSubject(subject, { archived: false })
}
