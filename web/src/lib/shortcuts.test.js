import { describe, expect, it } from 'vitest'
import { commandFor } from './shortcuts.js'

const key = (value, extra = {}) => ({ key: value, target: { tagName: 'BODY' }, ...extra })

describe('commandFor', () => {
  it('maps the keys to commands', () => {
    expect(commandFor(key('s'))).toEqual({ name: 'timer', screen: 'today' })
    expect(commandFor(key('k'))).toEqual({ name: 'skip', screen: 'today' })
    expect(commandFor(key('N'))).toEqual({ name: 'new-session', screen: 'log' })
    expect(commandFor(key('?'))).toEqual({ name: 'help' })
    expect(commandFor(key('1'))).toEqual({ name: 'screen', screen: 'today' })
    expect(commandFor(key('5'))).toEqual({ name: 'screen', screen: 'targets' })
    expect(commandFor(key('6'))).toEqual({ name: 'screen', screen: 'settings' })
  })

  it('ignores typing, modified keys, held keys and other keys', () => {
    for (const tagName of ['INPUT', 'TEXTAREA', 'SELECT']) expect(commandFor(key('s', { target: { tagName } }))).toBeNull()
    expect(commandFor(key('s', { target: { tagName: 'DIV', isContentEditable: true } }))).toBeNull()
    expect(commandFor(key('s', { ctrlKey: true }))).toBeNull()
    expect(commandFor(key('s', { metaKey: true }))).toBeNull()
    expect(commandFor(key('s', { repeat: true }))).toBeNull()
    expect(commandFor(key('7'))).toBeNull()
    expect(commandFor(key('0'))).toBeNull()
    expect(commandFor(key('x'))).toBeNull()
  })
})
