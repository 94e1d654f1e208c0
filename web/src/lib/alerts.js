// What a focus timer's phase change sounds and shows: a short chime (Web Audio, no file to load)
// and a system notification. Notifications go through the service worker when there is one, so
// they appear while the tab is in the background and from the installed, offline app.

let audio = null

/** Called from the learner's click that starts a focus timer: browsers allow sound (and the
 * permission prompt) only after a gesture, and the prompt is asked then, never before. */
export async function prepareAlerts() {
  try {
    audio ??= new AudioContext()
    await audio.resume()
  } catch {
    audio = null // no Web Audio: the notification alone
  }
  if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission()
}

function chime() {
  if (!audio || audio.state !== 'running') return
  const start = audio.currentTime
  for (const [offset, pitch] of [[0, 880], [0.25, 1320]]) {
    const tone = audio.createOscillator()
    const gain = audio.createGain()
    tone.frequency.value = pitch
    gain.gain.setValueAtTime(0.2, start + offset)
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + 0.22)
    tone.connect(gain).connect(audio.destination)
    tone.start(start + offset)
    tone.stop(start + offset + 0.25)
  }
}

/** Sound and show `title`; `tag` makes each phase change replace the previous notification. */
export async function announce(title, body) {
  chime()
  if (!('Notification' in window) || Notification.permission !== 'granted') return
  const options = { body, tag: 'studytracker-focus', renotify: true, icon: 'assets/icon-192.png' }
  const worker = await navigator.serviceWorker?.getRegistration?.().catch(() => null)
  if (worker) await worker.showNotification(title, options)
  else new Notification(title, options)
}
