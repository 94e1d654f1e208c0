// The learner's settings: timezone, day start, week start, goals, locale.

import { api } from './client.js'

export function getMe() {
  return api('v1/me')
}

export function updateMe(changes) {
  return api('v1/me', { method: 'PATCH', body: changes })
}
