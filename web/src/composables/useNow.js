// One shared, reactive "now" (epoch milliseconds) ticking every second. The
// interval runs only while some component uses it: the first user starts it,
// the last one to unmount stops it.

import { onScopeDispose, readonly, ref } from 'vue'

const now = ref(Date.now())
let users = 0
let ticker = null

export function useNow() {
  if (users++ === 0) {
    now.value = Date.now()
    ticker = setInterval(() => { now.value = Date.now() }, 1000)
  }
  onScopeDispose(() => {
    if (--users === 0) {
      clearInterval(ticker)
      ticker = null
    }
  })
  return readonly(now)
}
