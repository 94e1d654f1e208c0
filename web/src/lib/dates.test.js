import { describe, expect, it } from 'vitest'
import {
  addDays, daysBetween, fromLocalInput, heatmapCell, studyDay, studyDayBounds, studyDayStart,
  toLocalInput, weekRange, yearRange, zonedInstant,
} from './dates.js'

describe('calendar dates', () => {
  it('adds days across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29')
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29')
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01')
  })

  it('counts the days between two dates', () => {
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364)
  })

  it('finds the week by the learner week start', () => {
    expect(weekRange('2026-11-27', 'monday')).toEqual({ from: '2026-11-23', to: '2026-11-29' })
    expect(weekRange('2026-11-27', 'sunday')).toEqual({ from: '2026-11-22', to: '2026-11-28' })
    expect(weekRange('2026-11-22', 'monday')).toEqual({ from: '2026-11-16', to: '2026-11-22' })
  })

  it('takes 365 days ending today for the heatmap', () => {
    expect(yearRange('2026-11-27')).toEqual({ from: '2025-11-28', to: '2026-11-27' })
  })

  it('places a day in its week column and weekday row', () => {
    expect(heatmapCell('2026-11-26', '2026-11-26', 'monday')).toEqual({ x: 0, y: 3 })
    expect(heatmapCell('2026-11-30', '2026-11-26', 'monday')).toEqual({ x: 1, y: 0 })
    expect(heatmapCell('2026-11-29', '2026-11-26', 'sunday')).toEqual({ x: 1, y: 0 })
  })
})

describe('study days', () => {
  it('uses the local date in the learner time zone', () => {
    expect(studyDay('2026-11-27T16:00:00Z', 'Asia/Tokyo')).toBe('2026-11-28')
    expect(studyDay('2026-11-27T16:00:00Z', 'America/New_York')).toBe('2026-11-27')
  })

  it('counts study before the day start hour for the day before', () => {
    // 02:30 in Tokyo with days starting at 04:00 is still the 27th.
    expect(studyDay('2026-11-27T17:30:00Z', 'Asia/Tokyo', 4)).toBe('2026-11-27')
    expect(studyDay('2026-11-27T19:00:00Z', 'Asia/Tokyo', 4)).toBe('2026-11-28')
  })

  it('starts a study day at its hour in the time zone', () => {
    expect(studyDayStart('2026-11-28', 'Asia/Tokyo', 4).toISOString()).toBe('2026-11-27T19:00:00.000Z')
    expect(studyDayStart('2026-07-01', 'Europe/Berlin').toISOString()).toBe('2026-06-30T22:00:00.000Z')
  })

  it('runs a study day from its start to the next one, 23 hours on a spring-forward day', () => {
    const { from, to } = studyDayBounds('2026-03-07', 'America/New_York', 4)
    expect(from.toISOString()).toBe('2026-03-07T09:00:00.000Z')
    expect(to.toISOString()).toBe('2026-03-08T08:00:00.000Z')
  })
})

describe('wall-clock readings and instants', () => {
  it('finds the instant of a local time on either side of daylight saving changes', () => {
    expect(zonedInstant('2026-03-07', '12:00', 'America/New_York').toISOString()).toBe('2026-03-07T17:00:00.000Z')
    expect(zonedInstant('2026-03-08', '12:00', 'America/New_York').toISOString()).toBe('2026-03-08T16:00:00.000Z')
    expect(zonedInstant('2026-11-01', '00:30', 'America/New_York').toISOString()).toBe('2026-11-01T04:30:00.000Z')
  })

  it('round-trips datetime-local input values in the learner time zone', () => {
    const instant = '2026-11-27T00:30:00.000Z'
    expect(toLocalInput(instant, 'Asia/Tokyo')).toBe('2026-11-27T09:30')
    expect(fromLocalInput('2026-11-27T09:30', 'Asia/Tokyo').toISOString()).toBe(instant)
  })
})
