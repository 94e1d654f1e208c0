import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'

export default defineConfig({
  // Relative asset URLs: deployed stages serve the UI under /api/.
  base: './',
  plugins: [vue(), tailwindcss()],
  build: {
    outDir: fileURLToPath(new URL('../chalicelib/web', import.meta.url)),
    emptyOutDir: true,
    // The server's CSP allows no data: scripts and no inline styles: keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    include: ['src/**/*.test.js'],
  },
})
