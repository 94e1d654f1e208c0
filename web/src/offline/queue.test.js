import { describe, expect, it } from 'vitest'
import { outcomeOf, pendingSessions, timerAfter, waiting } from './queue.js'

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
    expect(timerAfter([start], null)).toEqual({ subject_id: 's1', started_at: '2026-12-03T09:00:00.000Z', pending: true })
    expect(timerAfter([start, stop], null)).toBeNull()
  })

  it('keeps the known timer when nothing waits, and ignores refused changes', () => {
    const known = { subject_id: 's2', started_at: '2026-12-03T08:00:00Z' }
    expect(timerAfter([], known)).toBe(known)
    expect(timerAfter([{ ...stop, state: 'refused' }], known)).toBe(known)
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
