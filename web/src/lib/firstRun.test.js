import { describe, expect, it } from 'vitest'
import { browserZone, firstRunChanges, travelOffer, weekStartFor } from './firstRun.js'

const fresh = { setup_needed: true, timezone: 'UTC', week_start: 'monday', locale: null }

describe('browserZone', () => {
  it('takes an IANA zone and UTC, and refuses what is not one', () => {
    expect(browserZone({ timeZone: 'Asia/Tokyo' })).toBe('Asia/Tokyo')
    expect(browserZone({ timeZone: 'UTC' })).toBe('UTC')
    expect(browserZone({ timeZone: undefined })).toBeNull()
    expect(browserZone({ timeZone: '+09:00' })).toBeNull()
  })
})

describe('weekStartFor', () => {
  it('is Monday for Japanese and follows the locale elsewhere', () => {
    expect(weekStartFor('ja-JP')).toBe('monday')
    expect(weekStartFor('ja')).toBe('monday')
    expect(weekStartFor('en-US')).toBe('sunday')
    expect(weekStartFor('en-GB')).toBe('monday')
    expect(weekStartFor('de-DE')).toBe('monday')
    expect(weekStartFor('not a tag')).toBe('monday')
  })
})

describe('firstRunChanges', () => {
  it('writes a Tokyo learner their zone, language and week start', () => {
    expect(firstRunChanges(fresh, { zone: 'Asia/Tokyo', languages: ['ja-JP', 'en'] })).toEqual({
      timezone: 'Asia/Tokyo',
      locale: 'ja',
    })
  })

  it('writes a New York learner a Sunday week', () => {
    expect(firstRunChanges(fresh, { zone: 'America/New_York', languages: ['en-US'] })).toEqual({
      timezone: 'America/New_York',
      locale: 'en',
      week_start: 'sunday',
    })
  })

  it('keeps a language the learner already chose, and still marks the profile set up', () => {
    const chosen = { ...fresh, locale: 'ja' }
    expect(firstRunChanges(chosen, { zone: 'UTC', languages: ['en-GB'] })).toEqual({ locale: 'ja' })
  })

  it('writes nothing for a profile already set up', () => {
    expect(firstRunChanges({ ...fresh, setup_needed: false }, { zone: 'Asia/Tokyo', languages: ['ja'] })).toEqual({})
  })
})

describe('travelOffer', () => {
  const settled = { setup_needed: false, timezone: 'Asia/Tokyo' }

  it('offers the browser zone when it differs, once per pair', () => {
    expect(travelOffer(settled, 'Europe/Paris')).toEqual({
      from: 'Asia/Tokyo',
      to: 'Europe/Paris',
      pair: 'Asia/Tokyo>Europe/Paris',
    })
    expect(travelOffer(settled, 'Europe/Paris', ['Asia/Tokyo>Europe/Paris'])).toBeNull()
    expect(travelOffer(settled, 'America/Denver', ['Asia/Tokyo>Europe/Paris'])).not.toBeNull()
  })

  it('offers nothing at home, without a zone, or before the first run', () => {
    expect(travelOffer(settled, 'Asia/Tokyo')).toBeNull()
    expect(travelOffer(settled, null)).toBeNull()
    expect(travelOffer({ ...settled, setup_needed: true }, 'Europe/Paris')).toBeNull()
  })
})
