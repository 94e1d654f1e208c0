import { describe, expect, it } from 'vitest'
import { MAX_FILE_BYTES, combine, fileLine, partsOf, readText } from './importFile.js'

const HEADER = 'Project,Description,Start date,Start time,End date,End time,Duration\n'
const row = (n) => `English,row ${n},2026-09-20,09:00:00,2026-09-20,09:30:00,00:30:00\n`

describe('readText', () => {
  it('reads UTF-8, and Shift_JIS only when it has kana', () => {
    expect(readText(new TextEncoder().encode('a,b\n'))).toEqual({ text: 'a,b\n' })
    const sjis = new Uint8Array([0x89, 0x70, 0x8c, 0xea, 0x2c, 0x83, 0x65, 0x83, 0x58, 0x83, 0x67]) // 英語,テスト
    expect(readText(sjis)).toEqual({ text: '英語,テスト', encoding: 'shift_jis' })
  })

  it('names what is wrong with an empty, huge or binary file', () => {
    expect(readText(new Uint8Array())).toEqual({ problem: 'empty' })
    expect(readText(new Uint8Array(MAX_FILE_BYTES + 1))).toEqual({ problem: 'too_large' })
    expect(readText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff, 0x00]))).toEqual({ problem: 'not_text' })
  })
})

describe('partsOf', () => {
  it('keeps a small file whole', () => {
    const text = HEADER + row(1) + row(2)
    expect(partsOf(text)).toEqual([{ text, firstLine: 2, headLines: 1 }])
  })

  it('cuts between records, repeats the comment block and header, and stays under the limit', () => {
    const text = '# exported\n\n' + HEADER + Array.from({ length: 50 }, (_, n) => row(n)).join('')
    const parts = partsOf(text, 1_000)
    expect(parts.length).toBeGreaterThan(3)
    for (const part of parts) {
      expect(new TextEncoder().encode(part.text).length).toBeLessThanOrEqual(1_000)
      expect(part.text.startsWith('# exported\n\n' + HEADER)).toBe(true)
      expect(part.headLines).toBe(3)
    }
    const rows = parts.flatMap((part) => part.text.split('\n').slice(3).filter(Boolean))
    expect(rows).toEqual(Array.from({ length: 50 }, (_, n) => row(n).trimEnd()))
    expect(parts[1].firstLine).toBe(4 + parts[0].text.split('\n').length - 4)
  })

  it('never cuts inside a quoted field with line breaks, and counts its lines', () => {
    const note = 'English,"line one\nline ""two""\nthree",2026-09-20,09:00:00,2026-09-20,09:30:00,00:30:00\n'
    const parts = partsOf(HEADER + note + row(2) + note + row(4), 150)
    expect(parts.map((part) => part.text.slice(HEADER.length))).toEqual([note, row(2), note, row(4)])
    expect(parts.map((part) => part.firstLine)).toEqual([2, 5, 6, 9])
  })

  it('drops a byte-order mark, and a file of a header alone is one part', () => {
    expect(partsOf('\ufeff' + HEADER)).toEqual([{ text: HEADER, firstLine: 2, headLines: 1 }])
  })
})

describe('fileLine and combine', () => {
  const parts = [{ firstLine: 2, headLines: 1 }, { firstLine: 40, headLines: 1 }]

  it('maps a part line to the file line', () => {
    expect(fileLine(parts[1], 1)).toBe(1)
    expect(fileLine(parts[1], 2)).toBe(40)
    expect(fileLine(parts[1], 5)).toBe(43)
  })

  it('adds the counts and merges subjects and rejected rows', () => {
    const report = (created, rejected, subjects) => ({
      source: 'toggl', timezone: 'Asia/Tokyo', date_format: 'YYYY-MM-DD', dry_run: true,
      rows_read: created + rejected.length, sessions_created: created, duplicates_skipped: 1, rows_skipped: 0,
      skipped_by_reason: { total: 1 }, rows_rejected: rejected.length, rejected, subjects_created: subjects,
    })
    const total = combine([
      report(3, [{ line: 3, reason: 'bad' }], ['英語']),
      report(2, [{ line: 2, reason: 'worse' }], ['英語', '数学']),
    ], parts)
    expect(total).toMatchObject({
      source: 'toggl', rows_read: 7, sessions_created: 5, duplicates_skipped: 2, rows_rejected: 2,
      skipped_by_reason: { total: 2 }, subjects_created: ['英語', '数学'],
      rejected: [{ line: 3, reason: 'bad' }, { line: 40, reason: 'worse' }],
    })
  })
})
