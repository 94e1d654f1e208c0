// Goal arithmetic: how far a total is towards a goal given in minutes.

/** Seconds over goal seconds (may pass 1), or null when there is no goal. */
export function goalProgress(seconds, goalMinutes) {
  return goalMinutes ? seconds / (goalMinutes * 60) : null
}

export function remainingSeconds(seconds, goalMinutes) {
  return Math.max(0, (goalMinutes ?? 0) * 60 - seconds)
}

function row(key, seconds, goalMinutes, subject = null) {
  return { key, subject, seconds, goal_minutes: goalMinutes }
}

/** Every goal the learner set, from a week's summary: daily, weekly and each subject's weekly goal. */
export function goalRows(week, subjects) {
  const rows = []
  if (week.today.goal_minutes) rows.push(row('daily', week.today.total_seconds, week.today.goal_minutes))
  if (week.goal_minutes) rows.push(row('weekly', week.total_seconds, week.goal_minutes))
  for (const goal of week.subject_goals) {
    const subject = subjects.find((candidate) => candidate.id === goal.subject_id)
    if (subject) rows.push(row(goal.subject_id, goal.total_seconds, goal.goal_minutes, subject))
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
