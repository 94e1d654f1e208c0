// OAuth 2.0 authorization code flow with PKCE (RFC 7636, S256) for Cognito's hosted UI.

function base64url(bytes) {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** A fresh random string: 32 bytes give a 43-character verifier or state. */
export function randomToken() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)))
}

export async function challengeFor(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))
  return base64url(new Uint8Array(digest))
}

/** Where Cognito sends the learner back: `redirect_path` on this page's origin, or this page itself. */
export function redirectUri(config, page) {
  const url = new URL(config.redirect_path ?? '', page)
  // The callback URL carries ?code=…&state=…; the registered redirect never does.
  url.search = ''
  url.hash = ''
  return url.href
}

export function authorizeUrl(config, { challenge, state, redirect }) {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: redirect,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  })
  return `https://${config.domain}/oauth2/authorize?${query}`
}

export function tokenRequest(config, { code, verifier, redirect }) {
  return {
    url: `https://${config.domain}/oauth2/token`,
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.client_id,
      code,
      redirect_uri: redirect,
      code_verifier: verifier,
    }),
  }
}

export function logoutUrl(config, redirect) {
  const query = new URLSearchParams({ client_id: config.client_id, logout_uri: redirect })
  return `https://${config.domain}/logout?${query}`
}
