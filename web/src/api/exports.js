// The learner's whole history as a file.

import { download } from './client.js'

/** Save studytracker.json or studytracker.csv. */
export function downloadExport(format) {
  return download('v1/export', { format }, `studytracker.${format}`)
}
