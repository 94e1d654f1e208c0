// The learner's own clock from the first minute: what a new profile takes from the browser
// (time zone, language, week start), and when a later browser zone is worth asking about.

import { chooseLocale } from './i18n.js'

/** The browser's IANA time zone, or null when it reports none (or only a fixed offset). */
export function browserZone(resolved = Intl.DateTimeFormat().resolvedOptions()) {
  const zone = resolved.timeZone
  return typeof zone === 'string' && zone.includes('/') ? zone : zone === 'UTC' ? 'UTC' : null
}

/**
 * Monday or Sunday for a locale tag: Monday for Japanese (the study-planner convention the app
 * follows), otherwise the locale's first day where the browser knows it (Intl.Locale week info),
 * else Monday.
 */
export function weekStartFor(tag) {
  if (chooseLocale([tag]) === 'ja') return 'monday'
  try {
    const found = new Intl.Locale(tag)
    const info = typeof found.getWeekInfo === 'function' ? found.getWeekInfo() : found.weekInfo
    if (info?.firstDay === 7) return 'sunday'
  } catch {
    // an unknown tag: the default below
  }
  return 'monday'
}

/** The PATCH a new profile gets on first sign-in; {} when there is nothing to write. */
export function firstRunChanges(me, { zone, languages }) {
  if (!me?.setup_needed) return {}
  const changes = {}
  if (zone && zone !== me.timezone) changes.timezone = zone
  if (!me.locale) changes.locale = chooseLocale(languages)
  const weekStart = weekStartFor(languages?.[0] ?? 'en')
  if (weekStart !== me.week_start) changes.week_start = weekStart
  // Always write something: the first PATCH is what marks the profile as set up.
  return Object.keys(changes).length ? changes : { locale: me.locale ?? chooseLocale(languages) }
}

/** Whether to offer switching to the browser's zone (travel): once per (stored, browser) pair. */
export function travelOffer(me, zone, kept = []) {
  if (!me || me.setup_needed || !zone || zone === me.timezone) return null
  const pair = `${me.timezone}>${zone}`
  return kept.includes(pair) ? null : { from: me.timezone, to: zone, pair }
}
