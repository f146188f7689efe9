// Accounts on the connect screen: which ways to join a server offers (from its account
// policy), and how the form reads in each. Pure, so Vitest covers it.
import type { AccountPolicy } from './generated/ipc'

/** Sign in, create an account, or join as a guest (the only way on a classic server). */
export type AuthMode = 'signin' | 'register' | 'guest'

/** The ways a server offers, in the order the form shows them. `null`: no accounts there
 * (a classic server, or not known yet): the guest form alone, as always. */
export function authModes(policy: AccountPolicy | null): AuthMode[] {
  if (!policy) return ['guest']
  const modes: AuthMode[] = ['signin']
  if (policy.registration !== 'closed') modes.push('register')
  if (policy.guests) modes.push('guest')
  return modes
}

/** The mode to show: the one wanted when the server offers it, else guest when allowed
 * (today's flow stays the default), else signing in. */
export function pickMode(modes: AuthMode[], wanted?: AuthMode): AuthMode {
  if (wanted && modes.includes(wanted)) return wanted
  return modes.includes('guest') ? 'guest' : modes[0]
}

export interface ModeText {
  tab: string
  nameLabel: string
  submit: string
  busy: string
}

export function modeText(mode: AuthMode): ModeText {
  switch (mode) {
    case 'signin':
      return { tab: 'Sign in', nameLabel: 'Account name', submit: 'Sign in and join', busy: 'Signing in…' }
    case 'register':
      return { tab: 'Create account', nameLabel: 'Account name', submit: 'Create account and join', busy: 'Creating your account…' }
    default:
      return { tab: 'Continue as guest', nameLabel: 'Display name', submit: 'Join', busy: 'Connecting…' }
  }
}

/** An invite code field is shown when creating an account where registration is by invite. */
export function needsInvite(policy: AccountPolicy | null, mode: AuthMode): boolean {
  return mode === 'register' && policy?.registration === 'invite'
}

/** The same server, as a person types it: scheme and host lower-cased, no trailing slash. */
export function sameServer(a: string, b: string): boolean {
  const norm = (u: string) => {
    try {
      const x = new URL(u.trim())
      return `${x.protocol}//${x.host}${x.pathname.replace(/\/+$/, '')}`
    } catch {
      return u.trim().replace(/\/+$/, '')
    }
  }
  return norm(a) === norm(b)
}
