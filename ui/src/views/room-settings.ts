// Room settings for its owner and server admins: topic, private (members only), moderators,
// and a private room's members. The server checks who may; its refusal is shown in its words.
import { h } from '../dom'
import { overlayFor } from './overlay'
import type { RoomInfoView, RoomSettingsRequest } from '../generated/ipc'

export interface RoomSettingsOptions {
  server: string
  room: string
  info: RoomInfoView
  save(request: RoomSettingsRequest): Promise<RoomInfoView>
  members(add: string[], remove: string[]): Promise<RoomInfoView>
  done(info: RoomInfoView): void
  close(): void
  errorText(e: unknown): string
}

/** "ann, Bob ,, cy" → ["ann", "bob", "cy"] (as the server normalises names). */
export function parseNames(text: string): string[] {
  return [...new Set(text.split(/[,\s]+/).map((n) => n.trim().toLowerCase()).filter(Boolean))].sort()
}

/** What to add and remove to go from `before` to `after`. */
export function diffNames(before: string[], after: string[]): { add: string[]; remove: string[] } {
  return { add: after.filter((n) => !before.includes(n)), remove: before.filter((n) => !after.includes(n)) }
}

export function roomSettings(o: RoomSettingsOptions): HTMLElement {
  const topic = h('input', { attrs: { id: 'rs-topic', type: 'text', maxlength: 256, placeholder: 'What this room is about' } })
  topic.value = o.info.topic
  const priv = h('input', { attrs: { id: 'rs-private', type: 'checkbox' } })
  priv.checked = o.info.private
  const mods = h('input', { attrs: { id: 'rs-mods', type: 'text', spellcheck: 'false', placeholder: 'Account names, separated by commas' } })
  mods.value = o.info.moderators.join(', ')
  const members = h('input', { attrs: { id: 'rs-members', type: 'text', spellcheck: 'false', placeholder: 'Account names, separated by commas' } })
  const before = o.info.members ?? []
  members.value = before.join(', ')
  const membersField = h(
    'div',
    { class: 'field' },
    h('label', { text: 'Members', attrs: { for: 'rs-members' } }),
    members,
    h('p', { class: 'hint', text: 'Only they (and the owner, admins and moderators) may join a private room.' }),
  )
  const showMembers = () => (membersField.hidden = !priv.checked)
  priv.addEventListener('change', showMembers)
  showMembers()
  const error = h('div', { class: 'form-error', attrs: { role: 'alert' } })
  const save = h('button', { class: 'primary', text: 'Save', attrs: { type: 'submit' } })
  const cancel = h('button', { class: 'ghost', text: 'Cancel', attrs: { type: 'button' }, on: { click: () => o.close() } })
  const form = h(
    'form',
    { class: 'room-settings-form', attrs: { 'aria-label': `Settings of #${o.room}` } },
    h('div', { class: 'field' }, h('label', { text: 'Topic', attrs: { for: 'rs-topic' } }), topic),
    h(
      'label',
      { class: 'check', attrs: { for: 'rs-private' } },
      priv,
      h('span', { text: 'Private: only its members may join' }),
    ),
    h('p', { class: 'hint', text: 'Making the room private removes those in it who are not members.' }),
    membersField,
    h(
      'div',
      { class: 'field' },
      h('label', { text: 'Moderators', attrs: { for: 'rs-mods' } }),
      mods,
      h('p', { class: 'hint', text: 'Moderators may remove messages, kick and ban.' }),
    ),
    error,
    h('div', { class: 'actions' }, cancel, save),
  )
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    error.textContent = ''
    save.disabled = true
    try {
      // members first: those invited in the same save stay when the room turns private
      const { add, remove } = diffNames(before, priv.checked ? parseNames(members.value) : before)
      if (add.length || remove.length) await o.members(add, remove)
      const info = await o.save({ server: o.server, room: o.room, topic: topic.value, private: priv.checked, moderators: parseNames(mods.value) })
      o.done(info)
    } catch (e) {
      error.textContent = o.errorText(e)
    } finally {
      save.disabled = false
    }
  })
  const dialog = h(
    'section',
    { class: 'account-menu room-settings', attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'rs-title' } },
    h(
      'header',
      { class: 'menu-head' },
      h('div', {}, h('h2', { text: `#${o.room} settings`, attrs: { id: 'rs-title' } }), h('p', { class: 'sub', text: o.info.owner ? `Owned by ${o.info.owner}` : 'No owner (a guest created it)' })),
    ),
    form,
  )
  const overlay = overlayFor(dialog, () => o.close())
  queueMicrotask(() => topic.focus())
  return overlay
}
