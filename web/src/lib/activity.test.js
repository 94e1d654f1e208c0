import { describe, expect, it } from 'vitest'
import { GAP, lastActiveSince, nextActivity } from './activity.js'

const MIN = 60_000

describe('the learner\'s activity', () => {
  it('keeps one stretch while activity comes closer than the gap', () => {
    let state = nextActivity(null, 0)
    state = nextActivity(state, 5 * MIN)
    state = nextActivity(state, 9 * MIN)
    expect(state).toEqual({ last: 9 * MIN, stretchEnd: null })
  })

  it('remembers where the last stretch ended once the learner comes back after a pause', () => {
    let state = nextActivity(nextActivity(null, 0), 20 * MIN)
    state = nextActivity(state, 20 * MIN + GAP + 1)
    expect(state).toEqual({ last: 20 * MIN + GAP + 1, stretchEnd: 20 * MIN })
    expect(nextActivity(state, 21 * MIN + GAP)).toEqual({ last: 21 * MIN + GAP, stretchEnd: 20 * MIN })
  })

  it('offers the end of the last stretch only when it came after the timer started', () => {
    const state = { last: 500 * MIN, stretchEnd: 90 * MIN }
    expect(lastActiveSince(state, 30 * MIN)).toBe(90 * MIN)
    expect(lastActiveSince(state, 95 * MIN)).toBeNull()
    expect(lastActiveSince(null, 0)).toBeNull()
  })
})
