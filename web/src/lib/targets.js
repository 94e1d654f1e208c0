// Exam targets, pure: which targets a session may count for, the chart's series (cumulative study
// against the required line and the pace), the words for where a target stands, and the target
// form's fields as the API takes them.

import { addDays, daysBetween } from './dates.js'

/** Targets a session of `subjectId` starting on study day `day` may count for (the server's rule:
 * not archived, the subject among the target's, the day within its days), plus `keep` (the target
 * the session already counts for, even archived) so editing never drops it silently. */
export function eligibleTargets(targets, subjectId, day, keep = null) {
  return targets.filter((target) => target.id === keep || (
    !target.archived
    && (target.subject_ids === null || target.subject_ids.includes(subjectId))
    && target.start_date <= day && day <= target.due_date
  ))
}

/** Seconds per day of a target's subjects, from /v1/stats/days entries (every subject when subject_ids is null). */
export function secondsByDay(days, subjectIds) {
  const found = new Map()
  for (const day of days) {
    const seconds = subjectIds === null
      ? day.total_seconds
      : subjectIds.reduce((sum, id) => sum + (day.by_subject[id] ?? 0), 0)
    found.set(day.date, seconds)
  }
  return found
}

/**
 * The chart's series, one value per day from start_date to due_date:
 * - studied: minutes studied so far, cumulative, up to today (null after);
 * - required: the target spread evenly over its days (where the learner should be);
 * - pace: from today's total on, at the current pace per day (null before today).
 */
export function burnUp(target, seconds) {
  const { start_date: start, due_date: due, target_minutes: goal, progress } = target
  const length = daysBetween(start, due) + 1
  const labels = Array.from({ length }, (_, index) => addDays(start, index))
  let total = 0
  const studied = labels.map((day) => {
    if (day > progress.today) return null
    total += seconds.get(day) ?? 0
    return Math.floor(total / 60)
  })
  const required = labels.map((_, index) => Math.round((goal * (index + 1)) / length))
  const reached = progress.today < start ? 0 : progress.studied_minutes
  const pace = labels.map((day) => (day < progress.today ? null : reached + progress.pace_minutes_per_day * daysBetween(progress.today, day)))
  return { labels, studied, required, pace }
}

/** Where a target stands, as one word: reached, on_track, behind (still time), or missed (past due). */
export function standing(progress) {
  if (progress.remaining_minutes === 0) return 'reached'
  if (progress.days_left === 0) return 'missed'
  return progress.on_track ? 'on_track' : 'behind'
}

/** The countdown's text key and its parameters. */
export function countdown(progress, startDate) {
  if (progress.today < startDate) return ['target.starts', { days: daysBetween(progress.today, startDate) }]
  if (progress.days_left === 0) return ['target.past_due', {}]
  if (progress.days_left === 1) return ['target.due_today', {}]
  return ['target.days_left', { days: progress.days_left }]
}

/** The target form's fields for editing `target`: no subjects is none ticked, the material a unit and a total. */
export function formFields(target) {
  return {
    name: target.name,
    due_date: target.due_date,
    start_date: target.start_date,
    target_minutes: target.target_minutes,
    subject_ids: [...(target.subject_ids ?? [])],
    unit: target.material?.unit ?? '',
    total: target.material?.total ?? '',
  }
}

/** The form's fields as the API takes them: none ticked is null (every subject counts), neither a
 * unit nor a total is no material (null). The name's spaces are tidied as the server tidies them. */
export function targetBody(fields) {
  return {
    name: fields.name.replace(/\s+/g, ' ').trim(),
    due_date: fields.due_date,
    start_date: fields.start_date,
    target_minutes: Number(fields.target_minutes),
    subject_ids: fields.subject_ids.length ? [...fields.subject_ids] : null,
    material: fields.unit || fields.total ? { unit: fields.unit, total: Number(fields.total) } : null,
  }
}

/** The PATCH body for what the learner changed in the form: only the fields that differ from `target`
 * (subjects compared as a set), so an untouched past due date is not checked again. */
export function targetChanges(target, fields) {
  const before = targetBody(formFields(target))
  const same = (name, value) => name === 'subject_ids'
    ? JSON.stringify(value && [...value].sort()) === JSON.stringify(before[name] && [...before[name]].sort())
    : JSON.stringify(value) === JSON.stringify(before[name])
  return Object.fromEntries(Object.entries(targetBody(fields)).filter(([name, value]) => !same(name, value)))
}
