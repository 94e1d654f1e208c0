// The learner's one running timer; stopping it files a session.

import { api, apiOrNull } from './client.js'

/** The running timer, or null when none runs. */
export function getTimer() {
  return apiOrNull('v1/timer')
}

export function startTimer(fields) {
  return api('v1/timer/start', { method: 'POST', body: fields })
}

export function stopTimer() {
  return api('v1/timer/stop', { method: 'POST', body: {} })
}

export function discardTimer() {
  return api('v1/timer', { method: 'DELETE' })
}
