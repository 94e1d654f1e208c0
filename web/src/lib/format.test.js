import { describe, expect, it } from 'vitest'
import { formatClock, formatCountdown, formatDate, formatDays, formatDuration, formatPercent, formatTime, weekdayNames } from './format.js'

describe('formatDuration', () => {
  it('shows hours and minutes in English', () => {
    expect(formatDuration(3900, 'en')).toBe('1h 5m')
    expect(formatDuration(7200, 'en')).toBe('2h')
    expect(formatDuration(59 * 60 + 59, 'en')).toBe('59m')
  })

  it('shows hours and minutes in Japanese', () => {
    expect(formatDuration(3900, 'ja')).toBe('1 時間 5 分')
    expect(formatDuration(7200, 'ja')).toBe('2 時間')
    expect(formatDuration(300, 'ja')).toBe('5 分')
  })

  it('shows nothing studied as zero minutes, never negative', () => {
    expect(formatDuration(0, 'en')).toBe('0m')
    expect(formatDuration(-30, 'ja')).toBe('0 分')
  })

  it('drops seconds rather than rounding up to a minute not yet studied', () => {
    expect(formatDuration(119, 'en')).toBe('1m')
  })

  it('shows seconds under a minute, so a short session is not "0m"', () => {
    expect(formatDuration(45, 'en')).toBe('45s')
    expect(formatDuration(45, 'ja')).toBe('45 秒')
    expect(formatDuration(0.5, 'en')).toBe('0s')
    expect(formatDuration(60, 'en')).toBe('1m')
  })

  it('groups thousands of hours', () => {
    expect(formatDuration(1234 * 3600, 'en')).toBe('1,234h')
  })
})

describe('formatClock', () => {
  it('reads h:mm:ss like a stopwatch', () => {
    expect(formatClock(0)).toBe('0:00:00')
    expect(formatClock(3725.9)).toBe('1:02:05')
    expect(formatClock(36000)).toBe('10:00:00')
  })
})

describe('dates and times', () => {
  it('shows a study day with its weekday in each language', () => {
    expect(formatDate('2026-11-27', 'en')).toBe('Fri, Nov 27, 2026')
    expect(formatDate('2026-11-27', 'ja')).toBe('2026年11月27日(金)')
  })

  it('shows a time of day in the learner time zone', () => {
    expect(formatTime('2026-11-27T00:30:00Z', 'en', 'Asia/Tokyo')).toBe('09:30 AM')
    expect(formatTime('2026-11-27T00:30:00Z', 'ja', 'Asia/Tokyo')).toBe('09:30')
  })

  it('lists weekdays from the learner week start', () => {
    expect(weekdayNames('en', 'monday')).toEqual(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])
    expect(weekdayNames('ja', 'sunday')).toEqual(['日', '月', '火', '水', '木', '金', '土'])
  })

  it('counts days and percentages per locale', () => {
    expect(formatDays(1, 'en')).toBe('1 day')
    expect(formatDays(5, 'en')).toBe('5 days')
    expect(formatDays(5, 'ja')).toBe('5 日')
    expect(formatPercent(0.456, 'en')).toBe('46%')
    expect(formatPercent(1.5, 'ja')).toBe('150%')
  })
})

describe('formatCountdown', () => {
  it('shows minutes and seconds left, rounding a started second up, and hours from an hour on', () => {
    expect(formatCountdown(1500)).toBe('25:00')
    expect(formatCountdown(59.2)).toBe('1:00')
    expect(formatCountdown(0)).toBe('0:00')
    expect(formatCountdown(3725)).toBe('1:02:05')
  })
})
