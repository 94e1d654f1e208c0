// Read-only statistics, computed by the server from the sessions.

import { api } from './client.js'

/** Daily totals for { from, to } study days (dates, inclusive). */
export function getDays(range) {
  return api('v1/stats/days', { query: range })
}

/** Totals by subject for the week or month holding `date`. */
export function getSummary(period, date) {
  return api('v1/stats/summary', { query: { period, date } })
}

export function getStreak() {
  return api('v1/stats/streak')
}
