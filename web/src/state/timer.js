// The learner's one running timer, shared by the screens that show it (Today) and the alerts that
// follow its focus phases on every screen (useFocusAlerts).

import { computed, ref } from 'vue'
import { entries } from '../offline/outbox.js'
import { timerAfter } from '../offline/queue.js'

export const known = ref(null) // the server's timer, as last read
/** The timer as the learner left it: the server's with the outbox's waiting changes applied. */
export const timer = computed(() => timerAfter(entries.value, known.value))
