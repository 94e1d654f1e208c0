// Personal API tokens: the secret comes back once, from create.

import { api, listAll } from './client.js'

export function listTokens() {
  return listAll('v1/tokens')
}

export function createToken(name) {
  return api('v1/tokens', { method: 'POST', body: { name } })
}

export function revokeToken(token) {
  return api(`v1/tokens/${token.id}`, { method: 'DELETE' })
}
