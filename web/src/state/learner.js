// What every screen shares: the learner's settings (`me`), their subjects, and
// the current study day derived from both.

import { computed, ref } from 'vue'
import { getMe, updateMe } from '../api/me.js'
import { listSubjects } from '../api/subjects.js'
import { studyDay } from '../lib/dates.js'
import { setLocale } from '../lib/i18n.js'

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

export async function loadMe() {
  me.value = await getMe()
  if (me.value.locale) setLocale(me.value.locale)
}

export async function saveMe(changes) {
  me.value = await updateMe(changes)
}

export async function loadSubjects() {
  subjects.value = await listSubjects()
}
