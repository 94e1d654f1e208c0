// The learner's settings: timezone, day start, week start, goals, locale.

import { submit } from '../offline/outbox.js'
import { api } from './client.js'

export function getMe() {
  return api('v1/me')
}

/** The new settings, or { queued: true } while offline (the outbox sends the change later). */
export function updateMe(changes) {
  return submit('PATCH', 'v1/me', changes, { kind: 'settings' })
}
