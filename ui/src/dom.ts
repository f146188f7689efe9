// The only way the UI builds DOM: element + attributes + text nodes. There is no path to
// innerHTML/outerHTML/insertAdjacentHTML anywhere in the UI, so anything a peer sends
// (message text, user names, room names) is inert text.

export type Child = Node | string | number | null | undefined | false
export interface Props {
  class?: string
  attrs?: Record<string, string | boolean | number | undefined | null>
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void }
  text?: string
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (props.class) el.className = props.class
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (/^on/i.test(k)) throw new Error(`event handler attributes are not allowed: ${k}`)
    if (v === undefined || v === null || v === false) continue
    el.setAttribute(k, v === true ? '' : String(v))
  }
  for (const [k, fn] of Object.entries(props.on ?? {})) {
    el.addEventListener(k, fn as EventListener)
  }
  if (props.text !== undefined) el.textContent = props.text
  append(el, ...children)
  return el
}

export function append(el: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c)
  }
}

export function clear(el: Node): void {
  while (el.firstChild) el.removeChild(el.firstChild)
}
