// Prints the gzipped size of the built JS, CSS and service worker (the UI's budget: under 150 KB in all).
import { readdirSync, readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const assets = new URL('../../chalicelib/web/assets/', import.meta.url)
const BUDGET = 150 * 1024

let files
try {
  files = readdirSync(assets)
} catch {
  console.error('No build found in chalicelib/web/assets: run `npm run build` in web/ first.')
  process.exit(1)
}

const totals = { js: 0, css: 0 }
for (const name of files.sort()) {
  const kind = name.split('.').pop()
  if (!(kind in totals)) continue
  const size = gzipSync(readFileSync(new URL(name, assets)), { level: 9 }).length
  totals[kind] += size
  console.log(`${name.padEnd(36)} ${(size / 1024).toFixed(1).padStart(7)} KB gzipped`)
}
// The service worker (vite-plugin-pwa's generateSW, Workbox runtime inlined) counts too.
const worker = gzipSync(readFileSync(new URL('../sw.js', assets)), { level: 9 }).length
console.log(`${'sw.js (service worker)'.padEnd(36)} ${(worker / 1024).toFixed(1).padStart(7)} KB gzipped`)
const all = totals.js + totals.css + worker
console.log(`JS  ${(totals.js / 1024).toFixed(1)} KB gzipped`)
console.log(`CSS ${(totals.css / 1024).toFixed(1)} KB gzipped`)
console.log(`all ${(all / 1024).toFixed(1)} KB gzipped (budget ${BUDGET / 1024} KB)`)
if (all > BUDGET) {
  console.error('Over budget: the list above shows which file grew; trim what it imports.')
  process.exit(1)
}
