// The focus (pomodoro) schedule, pure: the same arithmetic as chalicelib/focus.py, on the timer the
// API answers (its `focus` settings and `schedule`), so every device and the offline app show the
// same phase. Both run the cases in tests/fixtures/focus_schedule.json. Instants are milliseconds.

const MINUTE = 60_000
export const MIN_BLOCK = MINUTE // a block in progress counts at stop when at least this long
export const MAX_TIMER = 24 * 60 * MINUTE

export const DEFAULT_FOCUS = { work_minutes: 25, short_break_minutes: 5, long_break_minutes: 15, long_break_every: 4 }

export function kindOf(settings, index) {
  if (index % 2 === 0) return 'work'
  const block = (index + 1) / 2
  return block % settings.long_break_every === 0 ? 'long_break' : 'short_break'
}

export function lengthOf(settings, index) {
  const minutes = { work: settings.work_minutes, short_break: settings.short_break_minutes, long_break: settings.long_break_minutes }
  return minutes[kindOf(settings, index)] * MINUTE
}

/** A schedule as the API's timer holds it, in milliseconds. */
export function scheduleOf(timer) {
  const stored = timer.schedule ?? { anchor_at: timer.started_at, anchor_index: 0, anchor_seconds: null, blocks_before: [] }
  return {
    startedAt: Date.parse(timer.started_at),
    settings: timer.focus ?? DEFAULT_FOCUS,
    anchor: {
      at: Date.parse(stored.anchor_at),
      index: stored.anchor_index,
      length: stored.anchor_seconds == null ? null : stored.anchor_seconds * 1000,
    },
    blocksBefore: (stored.blocks_before ?? []).map(([s, e]) => [Date.parse(s), Date.parse(e)]),
  }
}

/** The schedule back in the API's shape (for a timer changed before the server has seen it). */
export function storedSchedule(schedule) {
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
  return {
    anchor_at: iso(schedule.anchor.at),
    anchor_index: schedule.anchor.index,
    anchor_seconds: schedule.anchor.length == null ? null : schedule.anchor.length / 1000,
    blocks_before: schedule.blocksBefore.map(([s, e]) => [iso(s), iso(e)]),
  }
}

function* phases(schedule) {
  const { anchor, settings } = schedule
  let index = anchor.index
  let start = anchor.at
  let length = anchor.length ?? lengthOf(settings, index)
  for (;;) {
    yield { index, kind: kindOf(settings, index), startedAt: start, endsAt: start + length }
    index += 1
    start += length
    length = lengthOf(settings, index)
  }
}

/** The phase running at `moment`. */
export function phaseAt(schedule, moment) {
  for (const phase of phases(schedule)) if (moment < phase.endsAt) return phase
  return null // unreachable: phases() does not end
}

/** The work blocks a stop at `end` records ([start, end] pairs), never past 24 h from the start. */
export function workBlocks(schedule, end) {
  const last = Math.min(end, schedule.startedAt + MAX_TIMER)
  const work = [...schedule.blocksBefore]
  for (const phase of phases(schedule)) {
    if (phase.startedAt >= last) break
    if (phase.kind === 'work') work.push([phase.startedAt, phase.endsAt])
  }
  return work
    .map(([s, e]) => [s, Math.min(e, last)])
    .filter(([s, e]) => e - s >= MIN_BLOCK)
}

/** Completed work blocks at `moment` (the block in progress does not count yet). */
export function blocksDone(schedule, moment) {
  const current = phaseAt(schedule, moment)
  const inProgress = current.kind === 'work' && current.startedAt < moment && moment - current.startedAt >= MIN_BLOCK
  return workBlocks(schedule, moment).length - (inProgress ? 1 : 0)
}

export function skip(schedule, moment) {
  const current = phaseAt(schedule, moment)
  return { ...schedule, anchor: { at: moment, index: current.index + 1, length: null }, blocksBefore: workBlocks(schedule, moment) }
}

export function extend(schedule, moment, extraMs) {
  const current = phaseAt(schedule, moment)
  return {
    ...schedule,
    anchor: { at: current.startedAt, index: current.index, length: current.endsAt - current.startedAt + extraMs },
    blocksBefore: workBlocks(schedule, current.startedAt),
  }
}
