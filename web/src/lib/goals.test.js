import { describe, expect, it } from 'vitest'
import { goalProgress, goalRows, remainingSeconds, secondsWithin } from './goals.js'

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

describe('goalRows', () => {
  const subjects = [{ id: 'a', name: 'Math' }, { id: 'b', name: 'Art' }]
  const week = {
    total_seconds: 9000,
    goal_minutes: 300,
    today: { date: '2026-11-27', total_seconds: 1800, goal_minutes: 60 },
    subject_goals: [{ subject_id: 'a', total_seconds: 3600, goal_minutes: 120 }],
  }

  it('lists the daily, weekly and each subject goal of the week summary', () => {
    expect(goalRows(week, subjects).map((row) => [row.key, row.seconds, row.goal_minutes, row.subject?.name])).toEqual([
      ['daily', 1800, 60, undefined],
      ['weekly', 9000, 300, undefined],
      ['a', 3600, 120, 'Math'],
    ])
  })

  it('leaves out goals the learner has not set', () => {
    const unset = { ...week, goal_minutes: null, today: { ...week.today, goal_minutes: null }, subject_goals: [] }
    expect(goalRows(unset, subjects)).toEqual([])
  })

  it('skips a subject goal whose subject this page does not know yet', () => {
    const stranger = { ...week, subject_goals: [{ subject_id: 'zz', total_seconds: 0, goal_minutes: 30 }] }
    expect(goalRows(stranger, subjects).map((row) => row.key)).toEqual(['daily', 'weekly'])
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
