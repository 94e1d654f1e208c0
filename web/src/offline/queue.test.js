import { describe, expect, it } from 'vitest'
import { afterSent, notCreatedYet, outcomeOf, pendingSessions, refusalKeys, sessionsAfter, timerAfter, waiting } from './queue.js'

const start = {
  id: 'a', state: 'waiting', meta: { kind: 'timer-start' },
  body: { subject_id: 's1', started_at: '2026-12-03T09:00:00.000Z' },
}
const stop = {
  id: 'b', state: 'waiting', body: { ended_at: '2026-12-03T09:25:00.000Z' },
  meta: { kind: 'timer-stop', session: { subject_id: 's1', started_at: '2026-12-03T09:00:00.000Z', ended_at: '2026-12-03T09:25:00.000Z' } },
}

describe('outcomeOf', () => {
  it('sends on 2xx, retries on outages and expired sign-ins, refuses what the server rejects', () => {
    expect([200, 201, 204].map(outcomeOf)).toEqual(['sent', 'sent', 'sent'])
    expect([401, 408, 429, 500, 503].map(outcomeOf)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry'])
    expect([400, 404, 409, 413, 422].map(outcomeOf)).toEqual(['refused', 'refused', 'refused', 'refused', 'refused'])
  })
})

describe('timerAfter', () => {
  it('shows a timer started offline, and none once it is stopped offline', () => {
    expect(timerAfter([start], null)).toEqual({ mode: 'stopwatch', subject_id: 's1', started_at: '2026-12-03T09:00:00.000Z', pending: true })
    expect(timerAfter([start, stop], null)).toBeNull()
  })

  it('keeps the known timer when nothing waits, and ignores refused changes', () => {
    const known = { subject_id: 's2', started_at: '2026-12-03T08:00:00Z' }
    expect(timerAfter([], known)).toBe(known)
    expect(timerAfter([{ ...stop, state: 'refused' }], known)).toBe(known)
  })
})

describe('a focus timer in the outbox', () => {
  const focus = { work_minutes: 25, short_break_minutes: 5, long_break_minutes: 15, long_break_every: 4 }
  const startFocus = { ...start, body: { ...start.body, mode: 'focus' }, meta: { kind: 'timer-start', focus } }
  const skipAt = (at) => ({ id: `k-${at}`, state: 'waiting', body: { at }, meta: { kind: 'timer-skip' } })

  it('carries the focus settings it started with, and a skip made offline re-anchors it at the press', () => {
    const started = timerAfter([startFocus], null)
    expect(started.focus).toEqual(focus)
    const skipped = timerAfter([startFocus, skipAt('2026-12-03T09:10:00Z')], null)
    expect(skipped.schedule).toEqual({
      anchor_at: '2026-12-03T09:10:00Z', anchor_index: 1, anchor_seconds: null,
      blocks_before: [['2026-12-03T09:00:00Z', '2026-12-03T09:10:00Z']],
    })
  })

  it('skips the server\'s timer too, but never a stopwatch', () => {
    const known = { mode: 'stopwatch', subject_id: 's2', started_at: '2026-12-03T08:00:00Z' }
    expect(timerAfter([skipAt('2026-12-03T08:10:00Z')], known)).toBe(known)
  })

  it('files one pending session per work block of a stop', () => {
    const blocks = [
      { subject_id: 's1', focus: true, started_at: '2026-12-03T09:00:00.000Z', ended_at: '2026-12-03T09:25:00.000Z' },
      { subject_id: 's1', focus: true, started_at: '2026-12-03T09:30:00.000Z', ended_at: '2026-12-03T09:40:00.000Z' },
    ]
    const stopFocus = { id: 'f', state: 'waiting', body: {}, meta: { kind: 'timer-stop', sessions: blocks } }
    expect(pendingSessions([stopFocus]).map((s) => [s.id, s.duration_seconds])).toEqual([['pending-f-1', 1500], ['pending-f-2', 600]])
  })
})

describe('pendingSessions', () => {
  it('lists the sessions waiting to reach the server, marked pending', () => {
    expect(pendingSessions([start, stop])).toEqual([
      {
        subject_id: 's1', started_at: '2026-12-03T09:00:00.000Z', ended_at: '2026-12-03T09:25:00.000Z',
        tags: [], note: '', duration_seconds: 1500, id: 'pending-b', pending: true,
      },
    ])
    expect(waiting([start, { ...stop, state: 'refused' }])).toEqual([start])
  })
})

const server = [
  { id: 's-1', subject_id: 'k', started_at: '2026-12-03T07:00:00Z', ended_at: '2026-12-03T08:00:00Z', duration_seconds: 3600, tags: [], note: '', version: 3 },
  { id: 's-2', subject_id: 'k', started_at: '2026-12-03T05:00:00Z', ended_at: '2026-12-03T06:00:00Z', duration_seconds: 3600, tags: [], note: '', version: 1 },
]
const create = {
  id: 'c', state: 'waiting', meta: { kind: 'session-create', session: { subject_id: 'm', started_at: '2026-12-02T10:00:00Z', ended_at: '2026-12-02T10:30:00Z' } },
}
const edit = (id, body) => ({ id: `e-${id}-${JSON.stringify(body)}`, state: 'waiting', body, version: 3, meta: { kind: 'session-edit', id } })
const remove = (id) => ({ id: `d-${id}`, state: 'waiting', version: 1, meta: { kind: 'session-delete', id } })

describe('sessionsAfter', () => {
  it('applies waiting edits in order, with the duration they give, and marks them pending', () => {
    const [first] = sessionsAfter([edit('s-1', { note: 'a' }), edit('s-1', { ended_at: '2026-12-03T07:30:00Z' })], server)
    expect(first).toMatchObject({ id: 's-1', note: 'a', ended_at: '2026-12-03T07:30:00Z', duration_seconds: 1800, pending: true })
  })

  it('hides a session deleted offline and lists new ones first, as far as `keep` accepts them', () => {
    expect(sessionsAfter([remove('s-2')], server).map((session) => session.id)).toEqual(['s-1'])
    expect(sessionsAfter([create], server).map((session) => session.id)).toEqual(['pending-c', 's-1', 's-2'])
    expect(sessionsAfter([create], server, (session) => session.subject_id === 'k').map((session) => session.id)).toEqual(['s-1', 's-2'])
  })

  it('leaves the list alone for refused changes, and the server copy untouched', () => {
    expect(sessionsAfter([{ ...remove('s-2'), state: 'refused' }], server)).toEqual(server)
    sessionsAfter([edit('s-1', { note: 'changed' })], server)
    expect(server[0].note).toBe('')
  })

  it('tells a session only the outbox knows from one the server has', () => {
    const [made, known] = sessionsAfter([create], server)
    expect([notCreatedYet(made), notCreatedYet(known)]).toEqual([true, false])
  })
})

describe('afterSent', () => {
  it('drops the sent change and gives later changes to the same item its new version', () => {
    const first = edit('s-1', { note: 'a' })
    const second = edit('s-1', { note: 'b' })
    const other = { ...remove('s-2') }
    const rest = afterSent([first, second, other], first, { id: 's-1', version: 4 })
    expect(rest.map((entry) => [entry.meta.id, entry.version])).toEqual([['s-1', 4], ['s-2', 1]])
  })

  it('only drops the change when the answer carries no version (a 204)', () => {
    const first = remove('s-1')
    expect(afterSent([first, create], first, null)).toEqual([create])
  })
})

describe('refusalKeys', () => {
  it('names the change and why it was refused', () => {
    expect(refusalKeys({ ...stop, error: { status: 404 } })).toEqual({ what: 'outbox.kind.timer-stop', why: 'outbox.why.gone' })
    expect(refusalKeys({ ...edit('s', {}), error: { status: 409 } })).toEqual({ what: 'outbox.kind.session-edit', why: 'outbox.why.changed' })
    expect(refusalKeys({ meta: { kind: 'mystery' }, error: { status: 422 } })).toEqual({ what: 'outbox.kind.other', why: 'outbox.why.invalid' })
  })
})
