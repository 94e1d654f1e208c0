// Sign-in endpoints: called before there is a bearer token, so plain fetch, not client.js.

async function json(response) {
  const body = await response.json().catch(() => null)
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`)
  return body
}

/** How this stage signs learners in: { mode: 'local' } or the Cognito hosted UI's settings. */
export async function getAuthConfig() {
  return json(await fetch('v1/auth/config'))
}

/** The local stage's sign-in by user name: answers { token }. */
export async function signInLocal(user) {
  return json(
    await fetch('v1/auth/local', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    }),
  )
}

/** The hosted UI's token endpoint (its URL and form body come from lib/pkce.js). */
export async function exchangeCode(request) {
  return json(await fetch(request.url, { method: 'POST', body: request.body }))
}
