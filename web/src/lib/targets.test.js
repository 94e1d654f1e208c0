import { describe, expect, it } from 'vitest'
import {
  burnUp, countdown, eligibleTargets, formFields, secondsByDay, standing, targetBody, targetChanges,
} from './targets.js'

const progress = (fields) => ({
  today: '2024-05-03', studied_minutes: 0, remaining_minutes: 100, days_left: 5,
  pace_minutes_per_day: 0, on_track: false, ...fields,
})
const target = (fields) => ({
  id: 't1', archived: false, subject_ids: null, start_date: '2024-05-01', due_date: '2024-05-07',
  target_minutes: 70, progress: progress({}), ...fields,
})

describe('eligibleTargets', () => {
  const book = target({ id: 'book', subject_ids: ['math'] })
  const any = target({ id: 'any' })
  const old = target({ id: 'old', archived: true })

  it('offers the active targets whose subjects and days hold the session', () => {
    expect(eligibleTargets([book, any, old], 'math', '2024-05-01').map((t) => t.id)).toEqual(['book', 'any'])
    expect(eligibleTargets([book, any, old], 'english', '2024-05-07').map((t) => t.id)).toEqual(['any'])
    expect(eligibleTargets([book, any], 'math', '2024-04-30')).toEqual([])
    expect(eligibleTargets([book, any], 'math', '2024-05-08')).toEqual([])
  })

  it('keeps the target a session already counts for, even archived', () => {
    expect(eligibleTargets([book, old], 'english', '2024-05-02', 'old').map((t) => t.id)).toEqual(['old'])
  })
})

describe('secondsByDay', () => {
  const days = [
    { date: '2024-05-01', total_seconds: 900, by_subject: { math: 600, art: 300 } },
    { date: '2024-05-02', total_seconds: 0, by_subject: {} },
  ]

  it('sums the target subjects, or takes every subject', () => {
    expect([...secondsByDay(days, ['math', 'latin'])]).toEqual([['2024-05-01', 600], ['2024-05-02', 0]])
    expect(secondsByDay(days, null).get('2024-05-01')).toBe(900)
  })
})

describe('burnUp', () => {
  it('draws studied minutes up to today, the even required line and the pace from today', () => {
    const seconds = new Map([['2024-05-01', 600], ['2024-05-02', 630], ['2024-05-03', 30]])
    const found = burnUp(target({ progress: progress({ studied_minutes: 21, pace_minutes_per_day: 7 }) }), seconds)
    expect(found.labels).toEqual(['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-04', '2024-05-05', '2024-05-06', '2024-05-07'])
    expect(found.studied).toEqual([10, 20, 21, null, null, null, null])
    expect(found.required).toEqual([10, 20, 30, 40, 50, 60, 70])
    expect(found.pace).toEqual([null, null, 21, 28, 35, 42, 49])
  })

  it('starts the pace at zero before the target starts', () => {
    const found = burnUp(target({ start_date: '2024-05-05', progress: progress({ pace_minutes_per_day: 3 }) }), new Map())
    expect(found.studied).toEqual([null, null, null])
    expect(found.pace).toEqual([6, 9, 12])
  })
})

describe('standing and countdown', () => {
  it('names reached, on track, behind and missed', () => {
    expect(standing(progress({ remaining_minutes: 0, days_left: 0 }))).toBe('reached')
    expect(standing(progress({ on_track: true }))).toBe('on_track')
    expect(standing(progress({}))).toBe('behind')
    expect(standing(progress({ days_left: 0 }))).toBe('missed')
  })

  it('counts down to the due date, which is today when one day is left', () => {
    expect(countdown(progress({ days_left: 5 }), '2024-05-01')).toEqual(['target.days_left', { days: 5 }])
    expect(countdown(progress({ days_left: 1 }), '2024-05-01')).toEqual(['target.due_today', {}])
    expect(countdown(progress({ days_left: 0 }), '2024-05-01')).toEqual(['target.past_due', {}])
    expect(countdown(progress({}), '2024-05-05')).toEqual(['target.starts', { days: 2 }])
  })
})

describe('targetChanges', () => {
  const book = target({
    name: 'TOEIC 800', subject_ids: ['english', 'reading'], material: { unit: 'pages', total: 300 }, version: 3,
  })
  const edited = (fields) => ({ ...formFields(book), ...fields })

  it('sends nothing when nothing changed, whatever the order the subjects were ticked in', () => {
    expect(targetChanges(book, formFields(book))).toEqual({})
    expect(targetChanges(book, edited({ subject_ids: ['reading', 'english'], name: ' TOEIC  800 ' }))).toEqual({})
    const plain = target({ name: 'Kanji' })
    expect(targetChanges(plain, formFields(plain))).toEqual({})
  })

  it('sends only the changed fields, numbers as numbers', () => {
    expect(targetChanges(book, edited({ name: 'TOEIC 900', due_date: '2024-06-01' })))
      .toEqual({ name: 'TOEIC 900', due_date: '2024-06-01' })
    expect(targetChanges(book, edited({ target_minutes: '1200', start_date: '2024-05-02' })))
      .toEqual({ target_minutes: 1200, start_date: '2024-05-02' })
    expect(targetChanges(book, edited({ total: 250 }))).toEqual({ material: { unit: 'pages', total: 250 } })
  })

  it('sends null to count every subject again or to remove the material', () => {
    expect(targetChanges(book, edited({ subject_ids: [] }))).toEqual({ subject_ids: null })
    expect(targetChanges(book, edited({ unit: '', total: '' }))).toEqual({ material: null })
    const plain = target({ name: 'Kanji' })
    expect(targetChanges(plain, { ...formFields(plain), subject_ids: ['english'] })).toEqual({ subject_ids: ['english'] })
  })

  it('leaves a half-filled material to the server, which names the field', () => {
    expect(targetBody(edited({ total: '' })).material).toEqual({ unit: 'pages', total: 0 })
  })
})
