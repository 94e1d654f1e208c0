import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import tailwindcss from '@tailwindcss/vite'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { API_READS } from './src/offline/caches.js'

export default defineConfig({
  // Relative asset URLs: deployed stages serve the UI under /api/.
  base: './',
  plugins: [
    vue(),
    tailwindcss(),
    // The installable app: a manifest and a Workbox service worker that precaches the built shell.
    // Both sit at the UI's root (chalicelib/webui.py ROOT_FILES): a worker controls only the paths under it.
    VitePWA({
      strategies: 'generateSW',
      registerType: 'autoUpdate',
      injectRegister: false, // src/main.js registers it: the CSP allows no inline script
      filename: 'sw.js',
      manifestFilename: 'manifest.webmanifest',
      includeAssets: [],
      includeManifestIcons: false, // globPatterns already precaches them: listed twice, Workbox refuses to start
      manifest: {
        name: 'StudyTracker',
        short_name: 'StudyTracker',
        description: 'Study time per subject: a timer, goals, streaks and a year heatmap.',
        lang: 'en',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#ffffff',
        theme_color: '#4f46e5',
        icons: [
          { src: 'assets/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'assets/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'assets/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        inlineWorkboxRuntime: true, // one file: the server serves sw.js and assets/ only
        clientsClaim: true, // the first visit is controlled at once: it works offline without a reload
        skipWaiting: true,
        globPatterns: ['**/*.{js,css,html,png}'],
        navigateFallback: 'index.html',
        navigateFallbackDenylist: [/\/v1\//, /\/openapi\.json$/],
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            urlPattern: ({ url, request }) => request.method === 'GET' && url.pathname.includes('/v1/')
              && !url.pathname.includes('/v1/auth/') && !url.pathname.endsWith('/v1/export'),
            handler: 'NetworkFirst',
            options: { cacheName: API_READS, networkTimeoutSeconds: 4, expiration: { maxEntries: 300 } },
          },
        ],
      },
    }),
  ],
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
