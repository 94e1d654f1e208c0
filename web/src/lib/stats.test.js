import { describe, expect, it } from 'vitest'
import { heatLevel, heatmapCells, monthTotals, periodRows, subjectTotals } from './stats.js'

const subjects = [
  { id: 'a', name: 'Math', color: '#0072b2', weekly_goal_minutes: 140, archived: false },
  { id: 'b', name: 'Art', color: '#e69f00', weekly_goal_minutes: null, archived: false },
  { id: 'c', name: 'Latin', color: '#009e73', weekly_goal_minutes: 70, archived: false },
]

describe('heatLevel', () => {
  it('is 0 for a day without study', () => {
    expect(heatLevel(0, 3600)).toBe(0)
  })

  it('rises in quarters of the reference and tops out at 4', () => {
    expect(heatLevel(60, 3600)).toBe(1)
    expect(heatLevel(1800, 3600)).toBe(2)
    expect(heatLevel(3600, 3600)).toBe(4)
    expect(heatLevel(9000, 3600)).toBe(4)
  })
})

describe('heatmap data', () => {
  const days = [
    { date: '2026-01-30', total_seconds: 0 },
    { date: '2026-01-31', total_seconds: 600 },
    { date: '2026-02-01', total_seconds: 1200 },
    { date: '2026-02-02', total_seconds: 0 },
  ]

  it('lays days out in week columns from the first day', () => {
    expect(heatmapCells(days, 'monday').map(({ x, y }) => [x, y])).toEqual([[0, 4], [0, 5], [0, 6], [1, 0]])
  })

  it('totals each month with its days studied', () => {
    expect(monthTotals(days)).toEqual([
      { month: '2026-01-01', seconds: 600, days: 1 },
      { month: '2026-02-01', seconds: 1200, days: 1 },
    ])
  })
})

describe('subject totals', () => {
  it('lists studied subjects biggest first, unknown ones included', () => {
    const rows = subjectTotals({ a: 600, b: 1800, gone: 60, c: 0 }, subjects)
    expect(rows.map((row) => [row.subject.id, row.seconds])).toEqual([['b', 1800], ['a', 600], ['gone', 60]])
    expect(rows[2].subject.name).toBeNull()
  })

  it('adds subjects with a goal but no time, each with its goal for the period', () => {
    const summary = {
      by_subject: { b: 1800, c: 600 },
      subject_goals: [
        { subject_id: 'a', total_seconds: 0, goal_minutes: 560 },
        { subject_id: 'c', total_seconds: 600, goal_minutes: 280 },
      ],
    }
    expect(periodRows(summary, subjects).map((row) => [row.subject.id, row.seconds, row.goal_minutes])).toEqual([
      ['b', 1800, null], ['c', 600, 280], ['a', 0, 560],
    ])
  })
})
