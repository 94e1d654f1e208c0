// The service worker's cache of the reads the API answered: the last known copy shows when the
// network is down (and the screen says so). Named once for the build (vite.config.js) and the page.
export const API_READS = 'api-reads'
