import { createApp } from 'vue'
import App from './App.vue'
import { chooseLocale, setLocale } from './lib/i18n.js'
import './style.css'

setLocale(chooseLocale(navigator.languages))
createApp(App).mount('#app')
