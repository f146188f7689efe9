// The composer of a room: the text field with its character count, Send, `/location`,
// typing notices, and the conversation features of Banter servers: replying to a message
// (a bar above the field says to whom; Esc cancels), editing your own (↑ in an empty field
// edits your last message; Esc cancels), and @-completion of the room's members.
import { api, errorMessage } from '../api'
import { h, clear } from '../dom'
import { charCount, canModerate, roomLabel, type RoomState } from '../store'
import { parseComposer } from '../commands'
import type { MessageView } from '../generated/ipc'
import type { FileControls } from './files'

export interface ComposerDeps {
  /** The room as it is now. */
  room(): RoomState
  /** One of your lines was queued: show it. */
  sent(m: MessageView): void
  /** Attach, paste and the upload strip (views/files.ts). */
  files?: FileControls
}

export interface Composer {
  form: HTMLElement
  error: HTMLElement
  input: HTMLTextAreaElement
  replyTo(m: MessageView): void
  edit(m: MessageView): void
  refresh(): void
}

/** Most names the completion list shows. */
const COMPLETIONS = 6

/** The `@prefix` being typed just before the caret, if any. */
export function mentionAt(text: string, caret: number): { start: number; prefix: string } | null {
  const m = /(^|[\s(])@([\p{L}\p{N}_.-]{0,32})$/u.exec(text.slice(0, caret))
  return m ? { start: caret - m[2].length - 1, prefix: m[2].toLowerCase() } : null
}

/** Members whose names start with `prefix` (then those containing it), yours left out;
 * `@here` for owners and moderators. */
export function completions(users: string[], me: string, prefix: string, here: boolean): string[] {
  const others = users.filter((u) => u !== me)
  const starts = others.filter((u) => u.toLowerCase().startsWith(prefix))
  const inside = others.filter((u) => !u.toLowerCase().startsWith(prefix) && u.toLowerCase().includes(prefix))
  const names = [...starts.sort(), ...inside.sort()]
  if (here && 'here'.startsWith(prefix)) names.unshift('here')
  return names.slice(0, COMPLETIONS)
}

export function composer(r: RoomState, d: ComposerDeps): Composer {
  const dm = !!r.dmMembers
  const label = dm ? roomLabel(r) : `#${r.room}`
  const input = h('textarea', { attrs: { 'aria-label': 'Message', rows: 1, placeholder: `Message ${label}`, spellcheck: 'true' } })
  const counter = h('span', { class: 'counter', attrs: { 'aria-live': 'off' } })
  const sendBtn = h('button', { class: 'primary', text: 'Send', attrs: { type: 'submit' } })
  const error = h('div', { class: 'composer-error', attrs: { role: 'alert' } })
  const context = h('div', { class: 'composer-context', attrs: { role: 'status' } })
  context.hidden = true
  const suggest = h('ul', { class: 'mention-list', attrs: { role: 'listbox', 'aria-label': 'Members to mention' } })
  suggest.hidden = true
  const form = h(
    'form',
    { class: 'composer', attrs: { 'aria-label': 'Write a message' } },
    d.files?.strip,
    context,
    suggest,
    h('div', { class: 'composer-row' }, input, h('div', { class: 'composer-side' }, counter, d.files?.button, sendBtn)),
  )
  let replying: MessageView | null = null
  let editing: MessageView | null = null
  let lastTyping = 0
  let choices: string[] = []
  let chosen = 0

  const refresh = () => {
    d.files?.refresh()
    const max = d.room().maxChars
    const n = charCount(input.value)
    counter.textContent = `${n} / ${max}`
    counter.classList.toggle('over', n > max)
    counter.classList.toggle('near', n > max * 0.9)
    sendBtn.disabled = n > max || input.value.trim() === ''
    sendBtn.textContent = editing ? 'Save' : 'Send'
    if (input.isConnected) {
      input.style.height = 'auto'
      input.style.height = `${Math.min(Math.max(input.scrollHeight, 22), 180)}px`
    }
  }

  const showContext = () => {
    clear(context)
    const target = editing ?? replying
    context.hidden = !target
    if (!target) return
    const excerpt = target.text.length > 80 ? `${target.text.slice(0, 80)}…` : target.text
    context.append(
      h('span', { class: 'context-what', text: editing ? 'Editing your message' : `Replying to ${target.username}` }),
      h('span', { class: 'context-excerpt', text: editing ? '' : excerpt }),
      h('button', {
        class: 'link-button context-cancel',
        text: 'Cancel',
        attrs: { type: 'button', 'aria-label': editing ? 'Cancel editing' : 'Cancel the reply' },
        on: { click: () => cancel() },
      }),
    )
  }

  const cancel = () => {
    if (editing) input.value = ''
    editing = null
    replying = null
    showContext()
    refresh()
    input.focus()
  }

  const closeSuggest = () => {
    suggest.hidden = true
    choices = []
  }
  const updateSuggest = () => {
    const at = mentionAt(input.value, input.selectionStart ?? input.value.length)
    const room = d.room()
    if (!at || !room.banter) return closeSuggest()
    choices = completions(room.users, room.username, at.prefix, canModerate(room))
    if (!choices.length) return closeSuggest()
    chosen = Math.min(chosen, choices.length - 1)
    clear(suggest)
    choices.forEach((name, i) =>
      suggest.append(
        h('li', {
          class: i === chosen ? 'chosen' : '',
          text: `@${name}`,
          attrs: { role: 'option', 'aria-selected': i === chosen ? 'true' : 'false' },
          on: {
            mousedown: (ev) => {
              ev.preventDefault()
              complete(name)
            },
          },
        }),
      ),
    )
    suggest.hidden = false
  }
  const complete = (name: string) => {
    const caret = input.selectionStart ?? input.value.length
    const at = mentionAt(input.value, caret)
    if (!at) return
    input.value = `${input.value.slice(0, at.start)}@${name} ${input.value.slice(caret)}`
    const pos = at.start + name.length + 2
    input.setSelectionRange(pos, pos)
    closeSuggest()
    refresh()
  }

  const send = async () => {
    const text = input.value
    const room = d.room()
    if (!text.trim() || charCount(text) > room.maxChars) return
    error.textContent = ''
    if (editing) {
      const target = editing
      if (text === target.text) return cancel()
      try {
        await api.editMessage({ server: room.server, room: room.room, id: target.id, text })
        editing = null
        input.value = ''
        showContext()
        refresh()
      } catch (e) {
        error.textContent = errorMessage(e)
      }
      return
    }
    // `/location LAT,LON` shares a location; a bad one is said here and the text is kept
    const composed = parseComposer(text)
    if (composed.kind === 'error') {
      error.textContent = composed.message
      return
    }
    try {
      const m =
        composed.kind === 'location'
          ? await api.sendLocation({ server: room.server, room: room.room, latitude: composed.latitude, longitude: composed.longitude })
          : await api.send(room.server, room.room, text, replying?.id ?? null)
      input.value = ''
      replying = null
      showContext()
      refresh()
      lastTyping = 0
      d.sent(m)
    } catch (e) {
      error.textContent = errorMessage(e)
    }
  }

  input.addEventListener('keydown', (ev) => {
    if (!suggest.hidden && choices.length) {
      if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
        ev.preventDefault()
        chosen = (chosen + (ev.key === 'ArrowDown' ? 1 : choices.length - 1)) % choices.length
        return updateSuggest()
      }
      if (ev.key === 'Tab' || (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing)) {
        ev.preventDefault()
        return complete(choices[chosen])
      }
      if (ev.key === 'Escape') {
        ev.preventDefault()
        ev.stopPropagation()
        return closeSuggest()
      }
    }
    if (ev.key === 'Escape' && (editing || replying)) {
      ev.preventDefault()
      ev.stopPropagation()
      return cancel()
    }
    if (ev.key === 'ArrowUp' && !input.value && !editing && d.room().banter) {
      const room = d.room()
      const last = [...room.messages].reverse().find((m) => m.own && m.kind === 'text' && !m.file && !m.removed && m.seq !== null)
      if (last) {
        ev.preventDefault()
        edit(last)
      }
      return
    }
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault()
      void send()
    }
  })
  input.addEventListener('paste', (ev) => d.files?.paste(ev))
  input.addEventListener('input', () => {
    refresh()
    updateSuggest()
    if (editing) return
    const room = d.room()
    const now = Date.now()
    if (input.value.trim() && now - lastTyping > 3000) {
      lastTyping = now
      void api.setTyping(room.server, room.room, true).catch(() => {})
    } else if (!input.value.trim() && lastTyping) {
      lastTyping = 0
      void api.setTyping(room.server, room.room, false).catch(() => {})
    }
  })
  input.addEventListener('blur', () => setTimeout(closeSuggest, 150))
  form.addEventListener('submit', (ev) => {
    ev.preventDefault()
    void send()
  })

  const replyTo = (m: MessageView) => {
    editing = null
    replying = m
    showContext()
    refresh()
    input.focus()
  }
  const edit = (m: MessageView) => {
    replying = null
    editing = m
    input.value = m.text
    showContext()
    refresh()
    input.focus()
    input.setSelectionRange(input.value.length, input.value.length)
  }
  refresh()
  return { form, error, input, replyTo, edit, refresh }
}
