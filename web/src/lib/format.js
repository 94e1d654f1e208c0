// Locale-aware display of durations, dates, times and weekdays, all via Intl.

import { addDays, weekRange } from './dates.js'

// Japanese reads best as "1 時間 5 分", English as "1h 5m".
const unitDisplay = { en: 'narrow', ja: 'short' }

function unit(locale, name, value) {
  return new Intl.NumberFormat(locale, {
    style: 'unit', unit: name, unitDisplay: unitDisplay[locale] ?? 'short',
  }).format(value)
}

/** Whole minutes as hours and minutes: 3900 s -> "1h 5m" / "1 時間 5 分"; under a minute, seconds
 * ("45s" / "45 秒"), so a short session never reads as nothing studied. */
export function formatDuration(seconds, locale) {
  if (seconds > 0 && seconds < 60) return unit(locale, 'second', Math.floor(seconds))
  const minutes = Math.floor(Math.max(0, seconds) / 60)
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  if (hours === 0) return unit(locale, 'minute', rest)
  if (rest === 0) return unit(locale, 'hour', hours)
  return `${unit(locale, 'hour', hours)} ${unit(locale, 'minute', rest)}`
}

/** Time left in a focus phase: m:ss, or h:mm:ss from an hour on. */
export function formatCountdown(seconds) {
  const whole = Math.max(0, Math.ceil(seconds))
  if (whole >= 3600) return formatClock(whole)
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`
}

/** A running timer's reading, h:mm:ss. */
export function formatClock(seconds) {
  const whole = Math.max(0, Math.floor(seconds))
  const hours = Math.floor(whole / 3600)
  const minutes = String(Math.floor(whole / 60) % 60).padStart(2, '0')
  const rest = String(whole % 60).padStart(2, '0')
  return `${hours}:${minutes}:${rest}`
}

export function formatPercent(ratio, locale) {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(ratio)
}

function calendarDate(date) {
  return new Date(`${date}T00:00:00Z`)
}

/** A local date with its weekday: "Fri, Nov 27, 2026" / "2026年11月27日(金)". */
export function formatDate(date, locale) {
  return new Intl.DateTimeFormat(locale, {
    timeZone: 'UTC', weekday: 'short', year: 'numeric', month: 'short', day: 'numeric',
  }).format(calendarDate(date))
}

export function formatTime(instant, locale, timezone) {
  return new Intl.DateTimeFormat(locale, {
    timeZone: timezone, hour: '2-digit', minute: '2-digit',
  }).format(new Date(instant))
}

/** Short weekday names in the learner's week order. */
export function weekdayNames(locale, weekStart) {
  const format = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', weekday: 'short' })
  const { from } = weekRange('2024-01-03', weekStart)
  return Array.from({ length: 7 }, (_, index) => format.format(calendarDate(addDays(from, index))))
}

export function formatMonth(date, locale) {
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', year: 'numeric', month: 'long' })
    .format(calendarDate(date))
}

/** A count of days: "1 day", "5 days" / "5 日". */
export function formatDays(count, locale) {
  return new Intl.NumberFormat(locale, { style: 'unit', unit: 'day', unitDisplay: 'long' }).format(count)
}
