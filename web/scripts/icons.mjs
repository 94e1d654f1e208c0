// Writes the app icons (web/public/assets/icon-*.png): an indigo square with a white clock face.
// Plain PNG from node:zlib, so no image tool is needed; run `node web/scripts/icons.mjs` after a change.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const INDIGO = [0x4f, 0x46, 0xe5]
const WHITE = [0xff, 0xff, 0xff]

function crc32(bytes) {
  let crc = ~0
  for (const byte of bytes) {
    crc ^= byte
    for (let bit = 0; bit < 8; bit++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1))
  }
  return ~crc >>> 0
}

function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}

/** `size` px; the face fills `face` of the width (maskable icons keep it inside the 80% safe zone). */
function icon(size, face) {
  const rows = []
  const centre = size / 2
  const radius = (size * face) / 2
  const ring = radius * 0.14
  for (let y = 0; y < size; y++) {
    const row = [0] // filter: none
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - centre
      const dy = y + 0.5 - centre
      const distance = Math.hypot(dx, dy)
      const onRing = distance <= radius && distance >= radius - ring
      const onHourHand = Math.abs(dx) <= ring / 2 && dy <= 0 && -dy <= radius * 0.55
      const onMinuteHand = Math.abs(dy) <= ring / 2 && dx >= 0 && dx <= radius * 0.7
      row.push(...(onRing || onHourHand || onMinuteHand ? WHITE : INDIGO))
    }
    rows.push(Buffer.from(row))
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const out = new URL('../public/assets/', import.meta.url)
writeFileSync(new URL('icon-192.png', out), icon(192, 0.8))
writeFileSync(new URL('icon-512.png', out), icon(512, 0.8))
writeFileSync(new URL('icon-maskable-512.png', out), icon(512, 0.6))
