import { describe, expect, it } from 'vitest'
import { goalProgress, goalRows, periodGoalMinutes, remainingSeconds, secondsWithin } from './goals.js'

describe('goal progress', () => {
  it('is the share of the goal reached, past 1 when exceeded', () => {
    expect(goalProgress(1800, 60)).toBe(0.5)
    expect(goalProgress(5400, 60)).toBe(1.5)
  })

  it('is null without a goal', () => {
    expect(goalProgress(1800, null)).toBeNull()
    expect(goalProgress(1800, 0)).toBeNull()
  })

  it('counts the seconds still to go, never below zero', () => {
    expect(remainingSeconds(1800, 60)).toBe(1800)
    expect(remainingSeconds(7200, 60)).toBe(0)
  })
})

describe('periodGoalMinutes', () => {
  it('is the weekly goal for a week', () => {
    expect(periodGoalMinutes(300, 'week', '2026-02-10')).toBe(300)
  })

  it('spreads the weekly goal over the days of the month', () => {
    expect(periodGoalMinutes(700, 'month', '2026-02-10')).toBe(2800)
    expect(periodGoalMinutes(700, 'month', '2026-01-10')).toBe(3100)
  })

  it('is null without a goal', () => {
    expect(periodGoalMinutes(null, 'month', '2026-01-10')).toBeNull()
  })
})

describe('goalRows', () => {
  const subjects = [
    { id: 'a', name: 'Math', weekly_goal_minutes: 120, archived: false },
    { id: 'b', name: 'Art', weekly_goal_minutes: null, archived: false },
    { id: 'c', name: 'Old', weekly_goal_minutes: 60, archived: true },
  ]
  const week = { total_seconds: 9000, by_subject: { a: 3600, b: 5400 } }

  it('lists the daily, weekly and each active subject goal with its progress', () => {
    const me = { daily_goal_minutes: 60, weekly_goal_minutes: 300 }
    const rows = goalRows({ me, todaySeconds: 1800, week, subjects })
    expect(rows.map((row) => [row.key, row.seconds, row.goal_minutes, row.progress])).toEqual([
      ['daily', 1800, 60, 0.5],
      ['weekly', 9000, 300, 0.5],
      ['a', 3600, 120, 0.5],
    ])
  })

  it('leaves out goals the learner has not set', () => {
    const me = { daily_goal_minutes: null, weekly_goal_minutes: null }
    expect(goalRows({ me, todaySeconds: 0, week, subjects }).map((row) => row.key)).toEqual(['a'])
  })

  it('counts a subject with no time this week as zero', () => {
    const me = {}
    const rows = goalRows({ me, todaySeconds: 0, week: { total_seconds: 0, by_subject: {} }, subjects })
    expect(rows[0]).toMatchObject({ key: 'a', seconds: 0, progress: 0 })
  })
})

describe('secondsWithin', () => {
  const from = new Date('2026-11-27T00:00:00Z')
  const to = new Date('2026-11-28T00:00:00Z')

  it('adds the parts of sessions inside the day', () => {
    const spans = [
      { started_at: '2026-11-27T09:00:00Z', ended_at: '2026-11-27T10:00:00Z' },
      { started_at: '2026-11-26T23:30:00Z', ended_at: '2026-11-27T00:30:00Z' },
      { started_at: '2026-11-27T23:00:00Z', ended_at: '2026-11-28T01:00:00Z' },
      { started_at: '2026-11-25T09:00:00Z', ended_at: '2026-11-25T10:00:00Z' },
    ]
    expect(secondsWithin(spans, from, to)).toBe(3600 + 1800 + 3600)
  })

  it('is zero for no sessions', () => {
    expect(secondsWithin([], from, to)).toBe(0)
  })
})
