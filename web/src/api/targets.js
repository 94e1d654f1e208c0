// Exam targets: each answer carries its progress. Writes are online only (not through the outbox):
// offline they fail at once with a message saying so, in the learner's language.

import { t } from '../lib/i18n.js'
import { addDays, daysBetween } from '../lib/dates.js'
import { ApiError, OfflineError, api, listAll } from './client.js'

const MAX_DAYS = 400 // GET /v1/stats/days answers at most this many days at once

async function online(call) {
  try {
    return await call()
  } catch (error) {
    if (error instanceof OfflineError) throw new ApiError(0, { error: { code: 'offline', message: t('target.offline') } })
    throw error
  }
}

/** A write naming the target's version: a 409 (another device changed it first) says what to do,
 * in the learner's language, instead of the server's English. */
async function versioned(call) {
  try {
    return await online(call)
  } catch (error) {
    if (error.status === 409) throw new ApiError(409, { error: { code: error.code, message: t('target.changed') } })
    throw error
  }
}

export function listTargets() {
  return listAll('v1/targets')
}

export function createTarget(fields) {
  return online(() => api('v1/targets', { method: 'POST', body: fields }))
}

export function updateTarget(target, changes) {
  return versioned(() => api(`v1/targets/${target.id}`, { method: 'PATCH', body: changes, version: target.version }))
}

export function archiveTarget(target) {
  return versioned(() => api(`v1/targets/${target.id}`, { method: 'DELETE', version: target.version }))
}

export function restoreTarget(target) {
  return updateTarget(target, { archived: false })
}

/** The study days of a target so far (start_date to min(today, due_date)), for its chart: one
 * request per 400 days. */
export async function targetDays(target) {
  const last = [target.progress.today, target.due_date].sort()[0]
  const days = []
  for (let from = target.start_date; daysBetween(from, last) >= 0; from = addDays(from, MAX_DAYS)) {
    const to = [addDays(from, MAX_DAYS - 1), last].sort()[0]
    days.push(...(await api('v1/stats/days', { query: { from, to } })).days)
  }
  return days
}
