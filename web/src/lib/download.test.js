import { describe, expect, it } from 'vitest'
import { downloadLink } from './download.js'

const LINK = {
  download_url: 'https://bucket.s3.eu-west-1.amazonaws.com/exports/0123/abc/studytracker-export-2026-05-01.json?X-Amz-Expires=900',
  expires_at: '2026-05-01T10:15:00Z',
  size_bytes: 7340032,
  filename: 'studytracker-export-2026-05-01.json',
}

function answer(body, headers) {
  return new Response(body, { status: 200, headers })
}

describe('downloadLink', () => {
  it('is null for the file itself, JSON or CSV, which the caller saves from the answer', async () => {
    const json = answer('{"format_version": 1}', {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Disposition': 'attachment; filename="studytracker-export-2026-05-01.json"',
    })
    const csv = answer('\ufeffsession_id\r\n', { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="x.csv"' })
    expect(await downloadLink(json)).toBeNull()
    expect(await downloadLink(csv)).toBeNull()
    expect(json.bodyUsed).toBe(false) // left for the caller to save as a blob
  })

  it('is the download_url of a link answer (JSON too, but no attachment)', async () => {
    const link = answer(JSON.stringify(LINK), { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
    expect(await downloadLink(link)).toBe(LINK.download_url)
  })

  it('refuses an answer that is neither, rather than opening something else', async () => {
    const headers = { 'Content-Type': 'application/json; charset=utf-8' }
    await expect(downloadLink(answer('{"format_version": 1}', headers))).rejects.toThrow('no download link')
    await expect(downloadLink(answer(JSON.stringify({ download_url: 'javascript:alert(1)' }), headers))).rejects.toThrow()
    await expect(downloadLink(answer('not json', headers))).rejects.toThrow()
  })
})
