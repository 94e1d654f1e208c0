// The learner's exam targets, shared by the Targets screen, Today's card and the target picker:
// loaded once, reloaded after a change or a session saved (their progress moves with it).

import { computed, ref } from 'vue'
import { listTargets } from '../api/targets.js'

const targets = ref([])
const loaded = ref(false)
let loading = null

async function reload() {
  loading = listTargets().then((found) => {
    targets.value = found.sort((a, b) => a.due_date.localeCompare(b.due_date) || a.name.localeCompare(b.name))
    loaded.value = true
  }).finally(() => { loading = null })
  return loading
}

/** Load the targets unless they are already (or being) loaded. */
function load() {
  return loading ?? (loaded.value ? Promise.resolve() : reload())
}

export function useTargets() {
  const active = computed(() => targets.value.filter((target) => !target.archived))
  const archived = computed(() => targets.value.filter((target) => target.archived))
  return { targets, active, archived, loaded, load, reload }
}
