// StudyTracker's service worker, served from the root (/sw.js) so that its scope is the whole app.
// The offline work (issue "Offline-first phone app") fills it: precached shell, IndexedDB outbox, sync.
// Until then it installs and claims nothing, so serving it changes no behaviour.
self.addEventListener('install', () => self.skipWaiting())
