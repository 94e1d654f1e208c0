// What every screen shares: the learner's settings (`me`), their subjects, and
// the current study day derived from both.

import { computed, ref } from 'vue'
import { getMe, updateMe } from '../api/me.js'
import { listSubjects } from '../api/subjects.js'
import { studyDay } from '../lib/dates.js'
import { browserZone, firstRunChanges, travelOffer } from '../lib/firstRun.js'
import { setLocale } from '../lib/i18n.js'

const KEPT_KEY = 'studytracker.zones-kept' // "stored>browser" pairs the learner chose to keep

export const me = ref(null)
export const subjects = ref([])

export const timezone = computed(() => me.value?.timezone ?? 'UTC')
export const dayStartHour = computed(() => me.value?.day_start_hour ?? 0)
export const weekStart = computed(() => me.value?.week_start ?? 'monday')

/** The study day holding `instant` (by default, this moment). */
export function today(instant = Date.now()) {
  return studyDay(instant, timezone.value, dayStartHour.value)
}

export function subjectById(id) {
  return subjects.value.find((subject) => subject.id === id)
}

export const activeSubjects = computed(() => subjects.value.filter((subject) => !subject.archived))

/** The settings after `changes`: the server's answer, or (offline, queued) the changes applied here. */
async function changed(changes) {
  const answer = await updateMe(changes)
  return answer?.queued ? { ...me.value, ...changes } : answer
}

export async function loadMe() {
  me.value = await getMe()
  // First sign-in: the browser's zone, language and week start become the new profile's.
  const changes = firstRunChanges(me.value, { zone: browserZone(), languages: navigator.languages })
  if (Object.keys(changes).length) me.value = await changed(changes)
  if (me.value.locale) setLocale(me.value.locale)
}

const kept = ref(JSON.parse(localStorage.getItem(KEPT_KEY) ?? '[]'))

/** {from, to} when this device's zone differs from the learner's (travel), until answered. */
export const zoneOffer = computed(() => travelOffer(me.value, browserZone(), kept.value))

/** Keep the stored zone on this device for this pair of zones: the offer is not made again. */
export function keepZone() {
  if (!zoneOffer.value) return
  kept.value = [...kept.value, zoneOffer.value.pair]
  localStorage.setItem(KEPT_KEY, JSON.stringify(kept.value))
}

/** Switch the learner to this device's zone (their days are then recomputed in it). */
export async function switchZone() {
  if (zoneOffer.value) await saveMe({ timezone: zoneOffer.value.to })
}

export async function saveMe(changes) {
  me.value = await changed(changes)
}

export async function loadSubjects() {
  subjects.value = await listSubjects()
}
