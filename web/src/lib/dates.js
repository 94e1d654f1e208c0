// Calendar arithmetic on local dates ('YYYY-MM-DD') and instants in the
// learner's time zone, mirroring the server's study-day rules.

const DAY_MS = 86_400_000

const partsFormats = new Map()

function partsFormat(timezone) {
  if (!partsFormats.has(timezone)) {
    partsFormats.set(timezone, new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23',
      year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    }))
  }
  return partsFormats.get(timezone)
}

/** The wall-clock reading of an instant in a time zone, as numbers. */
export function zonedParts(instant, timezone) {
  const parts = {}
  for (const { type, value } of partsFormat(timezone).formatToParts(new Date(instant))) {
    if (type !== 'literal') parts[type] = Number(value)
  }
  return parts
}

function pad(number) {
  return String(number).padStart(2, '0')
}

function dateOf(year, month, day) {
  return `${year}-${pad(month)}-${pad(day)}`
}

function utcDate(date) {
  const [year, month, day] = date.split('-').map(Number)
  return new Date(Date.UTC(year, month - 1, day))
}

function fromUtcDate(value) {
  return dateOf(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate())
}

export function addDays(date, days) {
  return fromUtcDate(new Date(utcDate(date).getTime() + days * DAY_MS))
}

export function daysBetween(from, to) {
  return Math.round((utcDate(to) - utcDate(from)) / DAY_MS)
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date) {
  return utcDate(date).getUTCDay()
}

/** The study day an instant belongs to: before day_start_hour it is still yesterday. */
export function studyDay(instant, timezone, dayStartHour = 0) {
  const { year, month, day, hour } = zonedParts(instant, timezone)
  const date = dateOf(year, month, day)
  return hour < dayStartHour ? addDays(date, -1) : date
}

/** The instant at which a wall-clock reading happens in a time zone. */
export function zonedInstant(date, time, timezone) {
  const [year, month, day] = date.split('-').map(Number)
  const [hour, minute] = time.split(':').map(Number)
  const wall = Date.UTC(year, month - 1, day, hour, minute)
  const offsetAt = (instant) => {
    const p = zonedParts(instant, timezone)
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - instant
  }
  const guess = wall - offsetAt(wall)
  // A second pass corrects guesses that land on the other side of a DST change.
  return new Date(wall - offsetAt(guess))
}

export function studyDayStart(date, timezone, dayStartHour = 0) {
  return zonedInstant(date, `${pad(dayStartHour)}:00`, timezone)
}

/** The instants a study day runs between: { from, to }, `to` being the next day's start. */
export function studyDayBounds(date, timezone, dayStartHour = 0) {
  return {
    from: studyDayStart(date, timezone, dayStartHour),
    to: studyDayStart(addDays(date, 1), timezone, dayStartHour),
  }
}

/** 'YYYY-MM-DDTHH:MM' as an <input type="datetime-local"> shows an instant in a time zone. */
export function toLocalInput(instant, timezone) {
  const p = zonedParts(instant, timezone)
  return `${dateOf(p.year, p.month, p.day)}T${pad(p.hour)}:${pad(p.minute)}`
}

export function fromLocalInput(value, timezone) {
  const [date, time] = value.split('T')
  return zonedInstant(date, time, timezone)
}

export function weekRange(date, weekStart) {
  const first = weekStart === 'sunday' ? 0 : 1
  const from = addDays(date, -((weekday(date) - first + 7) % 7))
  return { from, to: addDays(from, 6) }
}

/** The 365 days ending with `date`: the heatmap's range. */
export function yearRange(date) {
  return { from: addDays(date, -364), to: date }
}

/** Where a day sits in a heatmap of week columns and weekday rows. */
export function heatmapCell(date, from, weekStart) {
  const origin = weekRange(from, weekStart).from
  const offset = daysBetween(origin, date)
  return { x: Math.floor(offset / 7), y: offset % 7 }
}
