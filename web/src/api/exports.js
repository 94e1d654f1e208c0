// The learner's whole history as a file.

import { download } from './client.js'

/** Save studytracker.json or studytracker.csv; one too large to answer inline comes from its download link. */
export function downloadExport(format) {
  return download('v1/export', { format, delivery: 'link' }, `studytracker.${format}`)
}
