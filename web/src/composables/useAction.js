// One pattern for every button that calls the server: disable while busy, show the error.

import { ref } from 'vue'

export function useAction() {
  const busy = ref(false)
  const error = ref(null)

  /** Run `action`; answer whether it succeeded (its error is kept in `error`). */
  async function run(action) {
    busy.value = true
    error.value = null
    try {
      await action()
      return true
    } catch (failure) {
      error.value = failure
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run }
}
