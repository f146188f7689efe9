// A message's markdown, built with DOM calls from the tree the Rust side parsed
// (banter_client::markdown; generated type MdNode). Text goes in as text nodes only, links
// are opened by the system browser through the app (http(s) only; the tree keeps no
// target but http(s) and mailto, and a mailto link stays its text), code blocks scroll and have a Copy button. The tree is at most 16 deep.
import { h } from './dom'
import { isSafeUrl } from './linkify'
import type { MdNode } from './generated/ipc'

export interface MarkdownActions {
  openLink(url: string): void
  /** Your name in the room: `@you` is marked as a mention of you. */
  me?: string
}

/** Longest code block shown in full; a longer one is cut (Copy still copies all of it). */
export const CODE_SHOWN_CHARS = 20_000

export function renderMarkdown(nodes: MdNode[], actions: MarkdownActions): HTMLElement {
  const el = h('div', { class: 'text md' })
  for (const n of nodes) el.append(node(n, actions))
  return el
}

function kids(children: MdNode[], actions: MarkdownActions): Node[] {
  return children.map((c) => node(c, actions))
}

function node(n: MdNode, actions: MarkdownActions): Node {
  switch (n.t) {
    case 'paragraph':
      return h('p', {}, ...kids(n.children, actions))
    case 'heading':
      return h('p', { class: 'md-heading' }, h('strong', {}, ...kids(n.children, actions)))
    case 'quote':
      return h('blockquote', {}, ...kids(n.children, actions))
    case 'list': {
      const list = h(n.ordered ? 'ol' : 'ul', {}, ...kids(n.children, actions))
      if (n.ordered && n.start !== 1) list.setAttribute('start', String(n.start))
      return list
    }
    case 'item':
      return h('li', {}, ...kids(n.children, actions))
    case 'code_block':
      return codeBlock(n.text, n.lang)
    case 'rule':
      return h('hr', {})
    case 'text':
      return mentionText(n.text, actions.me)
    case 'strong':
      return h('strong', {}, ...kids(n.children, actions))
    case 'emphasis':
      return h('em', {}, ...kids(n.children, actions))
    case 'strike':
      return h('del', {}, ...kids(n.children, actions))
    case 'code':
      return h('code', { text: n.text })
    case 'link':
      return link(n.href, kids(n.children, actions), actions)
    case 'break':
      return h('br', {})
  }
}

function link(href: string, children: Node[], actions: MarkdownActions): Node {
  // http(s) only, as everywhere in the app (Rust checks again before opening anything)
  if (!isSafeUrl(href)) return h('span', {}, ...children)
  return h(
    'a',
    {
      attrs: { href, rel: 'noopener noreferrer', title: `Open ${href} in your browser` },
      on: {
        click: (ev) => {
          ev.preventDefault()
          actions.openLink(href)
        },
      },
    },
    ...children,
  )
}

function codeBlock(text: string, lang: string | null): HTMLElement {
  const shown = text.length > CODE_SHOWN_CHARS ? `${text.slice(0, CODE_SHOWN_CHARS)}\n…` : text
  const copy = h('button', { class: 'link-button code-copy', text: 'Copy', attrs: { type: 'button', 'aria-label': 'Copy the code' } })
  copy.addEventListener('click', () => {
    void copyText(text).then((ok) => {
      copy.textContent = ok ? 'Copied' : 'Could not copy'
      setTimeout(() => (copy.textContent = 'Copy'), 1500)
    })
  })
  return h(
    'div',
    { class: 'code-block' },
    h('div', { class: 'code-head' }, h('span', { class: 'code-lang', text: lang ?? '' }), copy),
    h('pre', { attrs: { tabindex: 0 } }, h('code', { text: shown })),
  )
}

/** Copies text to the clipboard (the async clipboard where the webview allows it, else
 * the old selection way). */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = h('textarea', { attrs: { 'aria-hidden': 'true' } }) as HTMLTextAreaElement
    area.value = text
    area.style.position = 'fixed'
    area.style.opacity = '0'
    document.body.append(area)
    area.select()
    const ok = document.execCommand('copy')
    area.remove()
    return ok
  }
}

const MENTION = /(^|[^\p{L}\p{N}_.@-])@([\p{L}\p{N}_.-]{1,32})/gu

/** `@name` runs marked as mentions (of you: `.me`), the rest as text. */
export function mentionText(text: string, me?: string): Node {
  if (!text.includes('@')) return document.createTextNode(text)
  const frag = document.createDocumentFragment()
  let last = 0
  for (const m of text.matchAll(MENTION)) {
    const at = m.index + m[1].length
    if (at > last) frag.append(document.createTextNode(text.slice(last, at)))
    const name = m[2].replace(/[.-]+$/, '')
    const mine = !!me && (name.toLowerCase() === me.toLowerCase() || name.toLowerCase() === 'here')
    frag.append(h('span', { class: `mention${mine ? ' me' : ''}`, text: `@${name}` }))
    last = at + 1 + name.length
  }
  if (last < text.length) frag.append(document.createTextNode(text.slice(last)))
  return frag
}
