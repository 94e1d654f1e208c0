// Subjects: DELETE archives one (it stays for the sessions filed under it).

import { api, listAll } from './client.js'

export function listSubjects() {
  return listAll('v1/subjects')
}

export function createSubject(fields) {
  return api('v1/subjects', { method: 'POST', body: fields })
}

export function updateSubject(subject, changes) {
  return api(`v1/subjects/${subject.id}`, { method: 'PATCH', body: changes, version: subject.version })
}

export function archiveSubject(subject) {
  return api(`v1/subjects/${subject.id}`, { method: 'DELETE', version: subject.version })
}

export function restoreSubject(subject) {
  return updateSubject(subject, { archived: false })
}
