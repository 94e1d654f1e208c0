// Goal arithmetic: how far a total is towards a goal given in minutes.

import { monthRange, daysBetween } from './dates.js'

/** Seconds over goal seconds (may pass 1), or null when there is no goal. */
export function goalProgress(seconds, goalMinutes) {
  return goalMinutes ? seconds / (goalMinutes * 60) : null
}

export function remainingSeconds(seconds, goalMinutes) {
  return Math.max(0, (goalMinutes ?? 0) * 60 - seconds)
}

/** A weekly goal spread over a period: a month holds days/7 weeks of it. */
export function periodGoalMinutes(weeklyMinutes, period, date) {
  if (!weeklyMinutes) return null
  if (period === 'week') return weeklyMinutes
  const { from, to } = monthRange(date)
  return Math.round(weeklyMinutes * (daysBetween(from, to) + 1) / 7)
}

function row(key, seconds, goalMinutes, subject = null) {
  return { key, subject, seconds, goal_minutes: goalMinutes, progress: goalProgress(seconds, goalMinutes) }
}

/** Every goal the learner set: daily, weekly and each active subject's weekly goal. */
export function goalRows({ me, todaySeconds, week, subjects }) {
  const rows = []
  if (me.daily_goal_minutes) rows.push(row('daily', todaySeconds, me.daily_goal_minutes))
  if (me.weekly_goal_minutes) rows.push(row('weekly', week.total_seconds, me.weekly_goal_minutes))
  for (const subject of subjects) {
    if (subject.weekly_goal_minutes && !subject.archived) {
      rows.push(row(subject.id, week.by_subject[subject.id] ?? 0, subject.weekly_goal_minutes, subject))
    }
  }
  return rows
}

/** Seconds of the given sessions (and a running timer) that fall inside [from, to). */
export function secondsWithin(spans, from, to) {
  let total = 0
  for (const { started_at, ended_at } of spans) {
    const start = Math.max(Date.parse(started_at), from.getTime())
    const end = Math.min(Date.parse(ended_at), to.getTime())
    if (end > start) total += (end - start) / 1000
  }
  return Math.floor(total)
}
