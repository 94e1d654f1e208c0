// Who is signed in: the bearer token in localStorage and the two ways to get one
// (the local stage's user-name form, Cognito's hosted UI in deployed stages).

import { ref } from 'vue'
import { exchangeCode, getAuthConfig, signInLocal as requestLocalToken } from '../api/auth.js'
import { authorizeUrl, challengeFor, logoutUrl, randomToken, redirectUri, tokenRequest } from '../lib/pkce.js'

const TOKEN_KEY = 'studytracker.token'
const PKCE_KEY = 'studytracker.pkce'

export const token = ref(localStorage.getItem(TOKEN_KEY))

function keep(value) {
  localStorage.setItem(TOKEN_KEY, value)
  token.value = value
}

/** Forget the token; the app then shows the sign-in screen. */
export function forget() {
  localStorage.removeItem(TOKEN_KEY)
  token.value = null
}

export function authConfig() {
  return getAuthConfig()
}

export async function signInLocal(user) {
  const body = await requestLocalToken(user)
  keep(body.token)
}

export async function startCognito(config) {
  const verifier = randomToken()
  const state = randomToken()
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }))
  const challenge = await challengeFor(verifier)
  location.assign(authorizeUrl(config, { challenge, state, redirect: redirectUri(config, location.href) }))
}

/** Finish a hosted-UI round trip when the page was opened with ?code=…&state=…. */
export async function finishCognito(config) {
  const query = new URLSearchParams(location.search)
  const code = query.get('code')
  if (!code) return false
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null')
  sessionStorage.removeItem(PKCE_KEY)
  const redirect = redirectUri(config, location.href)
  history.replaceState(null, '', redirect)
  if (!saved || saved.state !== query.get('state')) throw new Error('state mismatch')
  const request = tokenRequest(config, { code, verifier: saved.verifier, redirect })
  const body = await exchangeCode(request)
  keep(body.access_token)
  return true
}

export async function signOut() {
  forget()
  const config = await authConfig()
  if (config.mode === 'cognito') location.assign(logoutUrl(config, redirectUri(config, location.href)))
}
