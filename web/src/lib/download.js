// Reading an export's answer (tested in download.test.js): the file itself, or, for one too large
// to answer inline, the link to it that GET /v1/export?delivery=link answers instead.

/**
 * The download link of an answer, or null when the answer is the file itself (an attachment).
 * The caller opens the link as a page would (a link click): fetching it would send neither the
 * bearer token (S3 must not see it) nor succeed (the bucket allows no cross-origin reads).
 */
export async function downloadLink(response) {
  if (/^\s*attachment\b/i.test(response.headers.get('Content-Disposition') ?? '')) return null
  const body = await response.json().catch(() => null)
  const url = body?.download_url
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new Error('The export answer has no download link.')
  return url
}
