// An export file on its way to POST /v1/imports, as plain functions (tested in importFile.test.js):
// read as text (UTF-8, or Shift_JIS when it reads only one way), then cut into parts of whole
// records under the API's body limit, each part carrying the file's header.

export const MAX_FILE_BYTES = 16 * 1024 * 1024
// Well under the API's 1 MB body limit, and small enough that one part is stored in a few seconds
// (about 2,500 Toggl rows), far from API Gateway's 29 s: a 50,000-row history is about 25 parts.
export const PART_BYTES = 256 * 1024

const KANA = /[\u3040-\u30ff\uff66-\uff9f]/

/**
 * The file's text, or { problem } naming what is wrong in i18n terms: 'empty', 'too_large', or
 * 'not_text' (neither UTF-8 nor Shift_JIS with kana, as the server decides too).
 */
export function readText(bytes) {
  if (bytes.byteLength === 0) return { problem: 'empty' }
  if (bytes.byteLength > MAX_FILE_BYTES) return { problem: 'too_large' }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) }
  } catch {
    try {
      const text = new TextDecoder('shift_jis', { fatal: true }).decode(bytes)
      if (KANA.test(text)) return { text, encoding: 'shift_jis' }
    } catch { /* neither */ }
  }
  return { problem: 'not_text' }
}

/** The text as physical-line-counted CSV records: quotes may hold line breaks (and quotes, doubled). */
function records(text) {
  const found = []
  let start = 0
  let quoted = false
  for (let at = 0; at < text.length; at++) {
    const char = text[at]
    if (char === '"') quoted = !quoted
    else if (char === '\n' && !quoted) {
      found.push(text.slice(start, at + 1))
      start = at + 1
    }
  }
  if (start < text.length) found.push(text.slice(start))
  return found
}

function linesIn(record) {
  return Math.max(1, record.split('\n').length - (record.endsWith('\n') ? 1 : 0))
}

const encoder = new TextEncoder()

/**
 * The file in parts of whole records, each under `limit` UTF-8 bytes and starting with the file's
 * leading comment lines and header, as the server reads a file. `firstLine` is the physical line of
 * the original file that a part's first record starts on (the header is line 1 when nothing precedes it).
 */
export function partsOf(text, limit = PART_BYTES) {
  const all = records(text.replace(/^\ufeff/, ''))
  let headerAt = all.findIndex((record) => record.trim() !== '' && !record.startsWith('#'))
  if (headerAt < 0) headerAt = all.length - 1
  const head = all.slice(0, headerAt + 1).join('')
  const headLines = all.slice(0, headerAt + 1).reduce((sum, record) => sum + linesIn(record), 0)
  const headBytes = encoder.encode(head).length
  const parts = []
  let body = []
  let bytes = headBytes
  let line = headLines + 1
  let firstLine = line
  for (const record of all.slice(headerAt + 1)) {
    const size = encoder.encode(record).length
    if (body.length && bytes + size > limit) {
      parts.push({ text: head + body.join(''), firstLine, headLines })
      body = []
      bytes = headBytes
      firstLine = line
    }
    body.push(record)
    bytes += size
    line += linesIn(record)
  }
  if (body.length || !parts.length) parts.push({ text: head + body.join(''), firstLine, headLines })
  return parts
}

/** A part's line number as the line of the whole file. */
export function fileLine(part, line) {
  return line <= part.headLines ? line : part.firstLine + (line - part.headLines - 1)
}

/** The reports of every part as one: counts added, subjects and rejected rows (file lines) merged. */
export function combine(reports, parts, listed = 20) {
  const total = {
    ...reports[0],
    rows_read: 0, sessions_created: 0, duplicates_skipped: 0, rows_skipped: 0, rows_rejected: 0,
    skipped_by_reason: {}, rejected: [], subjects_created: [],
  }
  reports.forEach((report, index) => {
    for (const name of ['rows_read', 'sessions_created', 'duplicates_skipped', 'rows_skipped', 'rows_rejected']) {
      total[name] += report[name]
    }
    for (const [reason, count] of Object.entries(report.skipped_by_reason)) {
      total.skipped_by_reason[reason] = (total.skipped_by_reason[reason] ?? 0) + count
    }
    for (const row of report.rejected) {
      if (total.rejected.length < listed) total.rejected.push({ ...row, line: fileLine(parts[index], row.line) })
    }
    for (const name of report.subjects_created) {
      if (!total.subjects_created.includes(name)) total.subjects_created.push(name)
    }
  })
  return total
}
