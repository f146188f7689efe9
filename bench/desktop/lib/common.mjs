// What every part of the desktop bench shares: paths and knobs, the temp dir, the processes
// started (each stopped by PID at the end), logging and polling.
import { mkdtempSync } from 'node:fs'
import { tmpdir, homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { waitFor as harnessWaitFor } from '../../../tests/e2e/support/harness.mjs'

export const ROOT = resolve(import.meta.dirname, '../../..')
export const TARGET = process.env.CARGO_TARGET_DIR || join(homedir(), '.cache/banter/target')
export const APP_BIN = process.env.BANTER_APP_BIN || join(TARGET, 'release/banter')
export const SERVER_BIN = process.env.BANTER_SERVER_BIN || join(TARGET, 'release/banter-server')
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
export const work = mkdtempSync(join(tmpdir(), 'banter-bench-desktop-'))
/** {kind, proc}: stopped by PID at the end (run.mjs's cleanup). */
export const started = []
export const log = (...a) => console.error('[bench]', ...a)
/** The e2e harness's polling, with the bench's defaults (20 s, every 50 ms). */
export const waitFor = (what, fn, opts = {}) => harnessWaitFor(what, fn, { timeout: 20000, every: 50, ...opts })
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
