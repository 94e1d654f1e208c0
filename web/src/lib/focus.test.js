import { describe, expect, it } from 'vitest'
import cases from '../../../tests/fixtures/focus_schedule.json'
import { blocksDone, extend, phaseAt, scheduleOf, skip, storedSchedule, workBlocks } from './focus.js'

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
const T0 = Date.parse('2026-03-01T09:00:00Z')
const at = (minutes) => T0 + minutes * 60_000
const pomodoro = scheduleOf({ started_at: iso(T0) })

describe('the schedule chalicelib/focus.py computes too', () => {
  for (const c of cases) {
    it(c.name, () => {
      let schedule = scheduleOf({ started_at: c.started_at, focus: c.focus })
      for (const step of c.steps ?? []) {
        const moment = Date.parse(step.at)
        schedule = step.do === 'skip' ? skip(schedule, moment) : extend(schedule, moment, step.minutes * 60_000)
      }
      for (const expected of c.expect) {
        const moment = Date.parse(expected.at)
        const phase = phaseAt(schedule, moment)
        expect({ phase: phase.kind, phase_ends_at: iso(phase.endsAt), blocks_done: blocksDone(schedule, moment) })
          .toEqual({ phase: expected.phase, phase_ends_at: expected.phase_ends_at, blocks_done: expected.blocks_done })
      }
    })
  }
})

describe('work blocks', () => {
  it('counts the block in progress once it lasted a minute, never a break', () => {
    expect(workBlocks(pomodoro, at(30.5))).toEqual([[at(0), at(25)]])
    expect(workBlocks(pomodoro, at(31))).toEqual([[at(0), at(25)], [at(30), at(31)]])
    expect(workBlocks(pomodoro, at(27))).toEqual([[at(0), at(25)]])
  })

  it('stops 24 hours after the start', () => {
    const day = scheduleOf({ started_at: iso(T0), focus: { work_minutes: 1, short_break_minutes: 1, long_break_minutes: 1, long_break_every: 12 } })
    expect(workBlocks(day, at(2000))).toHaveLength(720)
  })
})

describe('the schedule the API stores', () => {
  it('round-trips through storedSchedule after a skip and an extension', () => {
    const changed = extend(skip(pomodoro, at(10)), at(12), 3 * 60_000)
    const timer = { started_at: iso(T0), schedule: storedSchedule(changed) }
    expect(scheduleOf(timer)).toEqual(changed)
    expect(timer.schedule).toEqual({
      anchor_at: iso(at(10)), anchor_index: 1, anchor_seconds: 480, blocks_before: [[iso(at(0)), iso(at(10))]],
    })
  })
})
