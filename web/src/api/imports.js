// Importing an export file: POST /v1/imports once per part of the file (lib/importFile.js), a dry
// run first for the preview. Each part has its own Idempotency-Key, kept across its retries, so a
// part whose answer was lost is not imported twice (and the server skips sessions it has anyway).

import { combine } from '../lib/importFile.js'
import { ApiError, OfflineError, request } from './client.js'
import { outcomeOf } from '../offline/queue.js'

const RETRIES = 5

function pause(ms) {
  return new Promise((resolve) => { setTimeout(resolve, ms) })
}

async function sendPart(part, query, key) {
  for (let attempt = 0; ; attempt++) {
    let response = null
    try {
      response = await request('v1/imports', { method: 'POST', csv: part.text, query, key })
    } catch (failure) {
      if (!(failure instanceof OfflineError) || attempt === RETRIES) throw failure
    }
    if (response) {
      const body = await response.json().catch(() => null)
      if (response.ok) return body
      if (outcomeOf(response.status) !== 'retry' || response.status === 401 || attempt === RETRIES) {
        throw new ApiError(response.status, body)
      }
    }
    await pause(1000 * 2 ** attempt) // a stalled network or a 503: wait, then the same part again
  }
}

/**
 * Send every part; `progress(done, total)` after each. Answers the combined report. The date format
 * the first part was read with is pinned for the rest, so every part reads its dates the same way.
 */
export async function importParts(parts, { dryRun, dateFormat, timezone }, progress = () => {}) {
  const reports = []
  let pinned = dateFormat || undefined
  for (const [index, part] of parts.entries()) {
    const query = { dry_run: dryRun ? 'true' : undefined, date_format: pinned, timezone }
    const report = await sendPart(part, query, crypto.randomUUID())
    pinned ??= report.date_format ?? undefined
    reports.push(report)
    progress(index + 1, parts.length)
  }
  return combine(reports, parts)
}
