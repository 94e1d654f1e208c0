// The outbox: every change the learner makes is kept in IndexedDB with its own Idempotency-Key
// and sent in order when the network allows, so a change made offline (or whose answer was lost)
// reaches the server exactly once. It survives reloads and closed tabs. Views never call it:
// the api/ modules do.

import { computed, ref } from 'vue'
import { createStore, get, set } from 'idb-keyval'
import { ApiError, OfflineError, request } from '../api/client.js'
import { API_READS } from './caches.js'
import { afterSent, outcomeOf, pendingSessions as pendingOf, waiting } from './queue.js'

const database = createStore('studytracker', 'outbox')
const SYNCED_KEY = 'studytracker.last-synced'
const RETRY_MS = 15_000

export const entries = ref([])
export const online = ref(navigator.onLine)
export const lastSynced = ref(localStorage.getItem(SYNCED_KEY))
export const waitingCount = computed(() => waiting(entries.value).length)
export const refused = computed(() => entries.value.filter((entry) => entry.state === 'refused'))
export const pendingSessions = computed(() => pendingOf(entries.value))
/** Counts changes that reached the server: screens re-read their data when it moves. */
export const delivered = ref(0)

let loading = null
let flushing = null
// Callbacks of changes submitted in this page, run in the same tick the change leaves the outbox, so
// the screen never shows a moment without both (a stopped timer flickering back on).
const onSent = new Map()

function load() {
  loading ??= get('entries', database).then((found) => { entries.value = found ?? [] })
  return loading
}

function save() {
  return set('entries', JSON.parse(JSON.stringify(entries.value)), database)
}

function newKey() {
  return crypto.randomUUID()
}

async function sendAll() {
  await load()
  const outcomes = new Map()
  for (const entry of waiting(entries.value)) {
    let response
    try {
      response = await request(entry.path, { method: entry.method, body: entry.body, key: entry.key, version: entry.version })
    } catch (failure) {
      if (failure instanceof OfflineError) break // later, in the same order
      throw failure
    }
    const outcome = outcomeOf(response.status)
    if (outcome === 'retry') break
    const body = response.status === 204 ? null : await response.json().catch(() => null)
    if (outcome === 'sent') {
      onSent.get(entry.id)?.(body)
      onSent.delete(entry.id)
      entries.value = afterSent(entries.value, entry, body)
      delivered.value += 1
      lastSynced.value = new Date().toISOString()
      localStorage.setItem(SYNCED_KEY, lastSynced.value)
    } else {
      const error = new ApiError(response.status, body)
      entries.value = entries.value.map((other) => (other.id === entry.id
        ? { ...other, state: 'refused', error: { status: error.status, code: error.code, message: error.message } }
        : other))
    }
    outcomes.set(entry.id, { outcome, body, status: response.status })
    await save()
  }
  return outcomes
}

/** Send what waits, oldest first; one run at a time. */
export function flush() {
  flushing ??= sendAll().finally(() => { flushing = null })
  return flushing
}

/**
 * Keep a change and try to send it now. Answers the server's body when it was sent, or
 * { queued: true } when it waits for the network. A change the server refuses at once throws its
 * ApiError (the learner is looking at the form) and is not kept. `meta.kind` names the change for
 * the screen (queue.js); `version` is sent as If-Match; `sent(body)` runs as the change leaves the
 * outbox, if this page sends it.
 */
export async function submit(method, path, body, meta = {}, { version, sent } = {}) {
  await load()
  const entry = { id: newKey(), key: newKey(), method, path, body, meta, version, state: 'waiting', created_at: new Date().toISOString() }
  if (sent) onSent.set(entry.id, sent)
  entries.value = [...entries.value, entry]
  await save()
  let result
  for (let attempt = 0; attempt < 2 && !result; attempt++) result = (await flush()).get(entry.id)
  if (!result) return { queued: true }
  onSent.delete(entry.id)
  if (result.outcome === 'refused') {
    entries.value = entries.value.filter((other) => other.id !== entry.id)
    await save()
    throw new ApiError(result.status, result.body)
  }
  return result.body
}

/** Drop a refused change the learner chose not to fix. */
export async function discard(id) {
  entries.value = entries.value.filter((entry) => entry.id !== id)
  await save()
}

/**
 * Forget every kept change and every cached read (signing out): the next learner on this device
 * must neither send this learner's changes nor see their data.
 */
export async function clear() {
  await load()
  entries.value = []
  await save()
  if ('caches' in window) await caches.delete(API_READS)
}

/** Load the outbox and send what waits now, when the network returns, and every so often. */
export function startSync() {
  load().then(flush).catch(() => {})
  window.addEventListener('online', () => { online.value = true; flush().catch(() => {}) })
  window.addEventListener('offline', () => { online.value = false })
  setInterval(() => { if (waitingCount.value) flush().catch(() => {}) }, RETRY_MS)
}
