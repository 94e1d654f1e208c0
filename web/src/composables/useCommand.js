// A keyboard command reaches the screen it is for, even when that screen opens because of it:
// App.vue posts it here, the screen takes it once.

import { ref, watch } from 'vue'

const posted = ref(null)

export function postCommand(name) {
  posted.value = { name }
}

/** Run `handler` for every `name` command posted while this screen is open (or just before it opened). */
export function useCommand(name, handler) {
  watch(posted, (command) => {
    if (command?.name !== name) return
    posted.value = null
    handler()
  }, { immediate: true })
}
