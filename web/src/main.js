import { createApp, watchEffect } from 'vue'
import { registerSW } from 'virtual:pwa-register'
import App from './App.vue'
import { chooseLocale, setLocale } from './lib/i18n.js'
import { startSync } from './offline/outbox.js'
import { trackActivity } from './lib/activity.js'
import { theme } from './lib/theme.js'
import './style.css'

setLocale(chooseLocale(navigator.languages))
watchEffect(() => {
  document.documentElement.dataset.theme = theme.value
  document.documentElement.style.colorScheme = theme.value // native controls and scrollbars follow
})
createApp(App).mount('#app')
// The service worker (vite.config.js) keeps the app opening offline; the outbox sends what waits.
if ('serviceWorker' in navigator) registerSW({ immediate: true })
startSync()
trackActivity() // a forgotten timer can end when the learner was last active
