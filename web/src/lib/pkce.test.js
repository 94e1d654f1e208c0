import { describe, expect, it } from 'vitest'
import { authorizeUrl, challengeFor, logoutUrl, randomToken, redirectUri, tokenRequest } from './pkce.js'

const config = { mode: 'cognito', domain: 'study.auth.ap-northeast-1.amazoncognito.com', client_id: 'abc123', redirect_path: '/api/' }

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeFor('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
  })

  it('makes fresh 43-character URL-safe verifiers', () => {
    const first = randomToken()
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(randomToken()).not.toBe(first)
  })
})

describe('Cognito hosted UI', () => {
  it('redirects back to the app path on the page origin', () => {
    expect(redirectUri(config, 'https://x.example/api/#/stats')).toBe('https://x.example/api/')
  })

  it('redirects back to the page itself without a redirect path, never with the callback query', () => {
    const page = 'https://x.example/api/?code=C&state=S#/today'
    expect(redirectUri({ ...config, redirect_path: '' }, page)).toBe('https://x.example/api/')
    expect(redirectUri(config, page)).toBe('https://x.example/api/')
  })

  it('asks for a code with the S256 challenge and state', () => {
    const url = new URL(authorizeUrl(config, { challenge: 'CH', state: 'ST', redirect: 'https://x.example/api/' }))
    expect(url.origin + url.pathname).toBe('https://study.auth.ap-northeast-1.amazoncognito.com/oauth2/authorize')
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code', client_id: 'abc123', redirect_uri: 'https://x.example/api/',
      code_challenge: 'CH', code_challenge_method: 'S256', state: 'ST',
    })
  })

  it('exchanges the code with the verifier at the token endpoint', () => {
    const request = tokenRequest(config, { code: 'CODE', verifier: 'VER', redirect: 'https://x.example/api/' })
    expect(request.url).toBe('https://study.auth.ap-northeast-1.amazoncognito.com/oauth2/token')
    expect(Object.fromEntries(request.body)).toEqual({
      grant_type: 'authorization_code', client_id: 'abc123', code: 'CODE',
      redirect_uri: 'https://x.example/api/', code_verifier: 'VER',
    })
  })

  it('signs out at the hosted UI and comes back to the app', () => {
    const url = new URL(logoutUrl(config, 'https://x.example/api/'))
    expect(url.pathname).toBe('/logout')
    expect(url.searchParams.get('logout_uri')).toBe('https://x.example/api/')
  })
})
