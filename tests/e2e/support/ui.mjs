// What the e2e tests do in the app's window, shared by the test files. Each takes the
// WebdriverIO browser of the current launch.
import { waitFor } from './harness.mjs'

/** Fills the field labelled `label` (its accessible name). */
export async function fill(b, label, value) {
  const el = await b.$(`aria/${label}`)
  await el.waitForDisplayed({ timeout: 10000 })
  await el.clearValue()
  if (value) await el.setValue(value)
}

/** The text of the open room's timeline. */
export async function timelineText(b) {
  return (await b.$('[role="log"]')).getText()
}

/** The delivery line of each of your messages whose text is `text`. */
export function ownStatus(b, text) {
  return b.execute((t) => {
    const rows = [...document.querySelectorAll('.msg.own')].filter((r) => r.querySelector('.text')?.textContent === t)
    return rows.map((r) => r.querySelector('.delivery')?.textContent ?? '')
  }, text)
}

/** Opens the join form from the sidebar. The sidebar is re-rendered as events arrive, so a
 * click can land on a button that was just replaced: click again until the form shows. */
export async function openJoinForm(b) {
  await waitFor('the join form', async () => {
    const field = await b.$('aria/Server URL')
    if (await field.isDisplayed()) return true
    await (await b.$('button=+ Join a room')).click()
    await new Promise((r) => setTimeout(r, 300))
    return (await b.$('aria/Server URL')).isDisplayed()
  })
}

/** Types `text` in the composer and presses Enter. */
export async function sendFromComposer(b, text) {
  // by its place, not `aria/Message`: that would also find a member's "Message" button
  const box = await b.$('form.composer textarea')
  await box.click()
  await box.setValue(text)
  await b.keys('Enter')
}

/** Creates the account `name` (password `password`) in the join form and joins `room` on
 * `server`; resolves once the room is open. */
export async function signUpAndJoin(b, { server, name, password, room }) {
  await (await b.$('aria/Server URL')).waitForDisplayed({ timeout: 15000 })
  await fill(b, 'Server URL', server)
  await waitFor('the Create account choice', async () => {
    const bar = await b.$('.auth-modes')
    if (!(await bar.isDisplayed())) return false
    const btn = await bar.$('button=Create account')
    if (!(await btn.isExisting())) return false
    await btn.click()
    return (await b.execute(() => document.querySelector('.auth-modes button[aria-pressed="true"]')?.textContent)) === 'Create account'
  })
  await fill(b, 'Account name', name)
  await fill(b, 'Room', room)
  await fill(b, 'Password', password)
  await (await b.$('button=Create account and join')).click()
  await waitFor(`#${room} open`, async () => (await (await b.$('h1')).getText()).includes(room), { timeout: 30000 })
}
