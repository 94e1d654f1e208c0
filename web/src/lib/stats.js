// Shaping stats responses for charts and their text alternatives. Pure.

import { heatmapCell } from './dates.js'

export const HEAT_LEVELS = 4

/** 0 for no study, else 1..4 by share of the reference (the daily goal, or the best day). */
export function heatLevel(seconds, referenceSeconds) {
  if (seconds <= 0) return 0
  if (!referenceSeconds) return HEAT_LEVELS
  return Math.min(HEAT_LEVELS, Math.max(1, Math.ceil((seconds / referenceSeconds) * HEAT_LEVELS)))
}

/** One heatmap cell per day: week column, weekday row, the day and its total. */
export function heatmapCells(days, weekStart) {
  const from = days[0]?.date
  return days.map((day) => ({ ...heatmapCell(day.date, from, weekStart), date: day.date, seconds: day.total_seconds }))
}

/** Totals per calendar month, oldest first: the heatmap's table. */
export function monthTotals(days) {
  const totals = new Map()
  for (const day of days) {
    const month = `${day.date.slice(0, 7)}-01`
    const entry = totals.get(month) ?? { month, seconds: 0, days: 0 }
    entry.seconds += day.total_seconds
    if (day.total_seconds > 0) entry.days += 1
    totals.set(month, entry)
  }
  return [...totals.values()]
}

/** The period's subjects, biggest first; `subjects` supplies names and colours. */
export function subjectTotals(bySubject, subjects) {
  return Object.entries(bySubject ?? {})
    .filter(([, seconds]) => seconds > 0)
    .map(([id, seconds]) => ({ seconds, subject: subjects.find((subject) => subject.id === id) ?? { id, name: null, color: '#94a3b8' } }))
    .sort((a, b) => b.seconds - a.seconds)
}

/** Per-subject rows for a period: every subject studied, and every one with a goal for the period. */
export function periodRows(summary, subjects) {
  const rows = subjectTotals(summary.by_subject, subjects)
  for (const goal of summary.subject_goals) {
    const subject = subjects.find((candidate) => candidate.id === goal.subject_id)
    if (subject && !rows.some((row) => row.subject.id === subject.id)) rows.push({ seconds: 0, subject })
  }
  const goals = new Map(summary.subject_goals.map((goal) => [goal.subject_id, goal.goal_minutes]))
  return rows.map((row) => ({ ...row, goal_minutes: goals.get(row.subject.id) ?? null }))
}
