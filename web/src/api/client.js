// The HTTP client: relative URLs (deployed stages serve under /api), the bearer
// token on every call, and a 401 that sends the learner back to sign-in.
// Only the modules next to this one call it: each owns one resource's URLs.

import { downloadLink } from '../lib/download.js'
import { t } from '../lib/i18n.js'
import { forget, token } from '../state/auth.js'

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`)
    this.status = status
    this.code = body?.error?.code
    this.details = body?.error?.details ?? []
  }
}

/** The network is down (fetch itself failed): said in the learner's language, never "Failed to fetch". */
export class OfflineError extends ApiError {
  constructor() {
    super(0, { error: { code: 'offline', message: t('error.offline') } })
  }
}

function url(path, query) {
  const defined = Object.entries(query ?? {}).filter(([, value]) => value !== undefined && value !== null && value !== '')
  return defined.length ? `${path}?${new URLSearchParams(defined)}` : path
}

/** One HTTP request (`body` as JSON, or `csv` as text/csv); an OfflineError when the network is down. */
export async function request(path, { method = 'GET', body, csv, query, version, key } = {}) {
  const headers = { Authorization: `Bearer ${token.value}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (csv !== undefined) headers['Content-Type'] = 'text/csv; charset=utf-8'
  if (version !== undefined) headers['If-Match'] = String(version)
  if (key !== undefined) headers['Idempotency-Key'] = key
  let response
  try {
    response = await fetch(url(path, query), {
      method, headers, body: csv ?? (body === undefined ? undefined : JSON.stringify(body)),
    })
  } catch {
    throw new OfflineError()
  }
  if (response.status === 401) forget()
  return response
}

export async function api(path, options) {
  const response = await request(path, options)
  const body = response.status === 204 ? null : await response.json().catch(() => null)
  if (!response.ok) throw new ApiError(response.status, body)
  return body
}

/** Like api(), but a 404 answers null: "no timer running" is not an error. */
export async function apiOrNull(path, options) {
  try {
    return await api(path, options)
  } catch (error) {
    if (error.status === 404) return null
    throw error
  }
}

/** Every page of a paginated list. */
export async function listAll(path, query = {}) {
  const items = []
  let cursor
  do {
    const page = await api(path, { query: { ...query, limit: 200, cursor } })
    items.push(...page.items)
    cursor = page.next_cursor
  } while (cursor)
  return items
}

/**
 * Save a server response as a file: export needs the bearer token, so a plain link won't do. An
 * answer that is a download link instead (a large export, asked for with `delivery: 'link'`) is
 * opened as a link: the browser then downloads the file from S3 without the token.
 */
export async function download(path, query, filename) {
  const response = await request(path, { query })
  if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null))
  const link = document.createElement('a')
  const away = await downloadLink(response)
  if (away) {
    link.href = away
    link.click()
    return
  }
  link.href = URL.createObjectURL(await response.blob())
  link.download = filename
  link.click()
  URL.revokeObjectURL(link.href)
}
