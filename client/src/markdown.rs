//! Message markdown (issue 10): the text of a message parsed with pulldown-cmark into a
//! small, safe tree that a UI builds with DOM calls (never as HTML). What chat needs and no
//! more: paragraphs, bold, italic, strikethrough, inline code, fenced and indented code
//! blocks, block quotes, lists, headings (shown as bold lines), rules, links and bare URLs.
//!
//! Safety: raw HTML in a message is text (an `Html` event becomes a `text` node, shown as
//! typed); a link keeps its target only when it is `http:`, `https:` or `mailto:` (anything
//! else, `javascript:` included, becomes its text); images are links to their URL, never
//! loaded (a tracking pixel stays a link); nesting deeper than [`MAX_DEPTH`] containers is
//! flattened into the deepest one, so 10,000 nested quotes make a tree 16 deep, built
//! without recursion. Tables, footnotes, math and the other extensions are off: they are
//! text.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;

/// Deepest nesting of containers (quotes, lists, items, emphasis…) kept in the tree.
pub const MAX_DEPTH: usize = 16;

/// One node of a message's tree. Serialised with `t` as its kind (`snake_case`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "MdNode"))]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Node {
    Paragraph { children: Vec<Node> },
    /// A heading: chat shows it as a bold line.
    Heading { children: Vec<Node> },
    Quote { children: Vec<Node> },
    List { ordered: bool, start: u64, children: Vec<Node> },
    Item { children: Vec<Node> },
    /// A code block (monospace, scrolls, a Copy button), with the language named after
    /// its opening fence, if any.
    CodeBlock { lang: Option<String>, text: String },
    Rule,
    Text { text: String },
    Strong { children: Vec<Node> },
    Emphasis { children: Vec<Node> },
    Strike { children: Vec<Node> },
    Code { text: String },
    /// A link with an `http:`, `https:` or `mailto:` target (to open in the browser).
    Link { href: String, children: Vec<Node> },
    Break,
}

/// An open container while the tree is built.
struct Open {
    node: Node,
    /// False for a tag beyond [`MAX_DEPTH`], whose content went to its parent.
    kept: bool,
}

/// The tree of a message's text.
pub fn parse(text: &str) -> Vec<Node> {
    let mut root: Vec<Node> = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // Text of the code block being read, if any.
    let mut code: Option<(Option<String>, String)> = None;
    let kept = |stack: &[Open]| stack.iter().filter(|o| o.kept).count();
    // Text between other events, joined (the parser splits it at `_`, `*`, …), so a bare
    // URL is found whole.
    let mut pending = String::new();
    for event in Parser::new_ext(text, Options::ENABLE_STRIKETHROUGH) {
        match &event {
            // raw HTML is text as typed, joined with the text around it (so a bare URL after
            // a tag still becomes a link)
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) if code.is_none() => {
                pending.push_str(t);
                continue;
            }
            // chat keeps the lines as typed: a single newline is a line break (shown by the
            // UI's pre-wrap), not a space as in CommonMark documents
            Event::SoftBreak => {
                pending.push('\n');
                continue;
            }
            _ => {
                if !pending.is_empty() {
                    push_text(&mut root, &mut stack, &std::mem::take(&mut pending));
                }
            }
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info.split_whitespace().next().map(|l| l.chars().take(32).collect()),
                    CodeBlockKind::Indented => None,
                };
                code = Some((lang.filter(|l: &String| !l.is_empty()), String::new()));
            }
            Event::End(TagEnd::CodeBlock) => {
                if let Some((lang, text)) = code.take() {
                    push(&mut root, &mut stack, Node::CodeBlock { lang, text });
                }
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) if code.is_some() => {
                if let Some((_, buf)) = code.as_mut() {
                    buf.push_str(&t);
                }
            }
            Event::Start(tag) => {
                let node = container(tag);
                match node {
                    Some(node) if kept(&stack) < MAX_DEPTH => stack.push(Open { node, kept: true }),
                    // too deep, or a tag we show as its content only
                    _ => stack.push(Open { node: Node::Rule, kept: false }),
                }
            }
            Event::End(_) => {
                if let Some(open) = stack.pop() {
                    if open.kept {
                        for node in finish(open.node) {
                            push(&mut root, &mut stack, node);
                        }
                    }
                }
            }
            Event::Text(t) => push_text(&mut root, &mut stack, &t),
            Event::SoftBreak => push_text(&mut root, &mut stack, "\n"),
            // (inside a code block: handled above; elsewhere joined into the text)
            Event::Html(t) | Event::InlineHtml(t) => push_text(&mut root, &mut stack, &t),
            Event::Code(t) => push(&mut root, &mut stack, Node::Code { text: t.into_string() }),
            Event::HardBreak => push(&mut root, &mut stack, Node::Break),
            Event::Rule => push(&mut root, &mut stack, Node::Rule),
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => push_text(&mut root, &mut stack, &t),
            Event::TaskListMarker(done) => push_text(&mut root, &mut stack, if done { "[x] " } else { "[ ] " }),
        }
    }
    if !pending.is_empty() {
        push_text(&mut root, &mut stack, &pending);
    }
    // unbalanced input cannot come from the parser, but close what is open anyway
    while let Some(open) = stack.pop() {
        if open.kept {
            for node in finish(open.node) {
                push(&mut root, &mut stack, node);
            }
        }
    }
    if let Some((lang, text)) = code.take() {
        root.push(Node::CodeBlock { lang, text });
    }
    root
}

/// The node a start tag opens; `None` for tags shown as their content only.
fn container(tag: Tag<'_>) -> Option<Node> {
    let children = Vec::new();
    Some(match tag {
        Tag::Paragraph => Node::Paragraph { children },
        Tag::Heading { .. } => Node::Heading { children },
        Tag::BlockQuote(_) => Node::Quote { children },
        Tag::List(start) => Node::List { ordered: start.is_some(), start: start.unwrap_or(1), children },
        Tag::Item => Node::Item { children },
        Tag::Emphasis => Node::Emphasis { children },
        Tag::Strong => Node::Strong { children },
        Tag::Strikethrough => Node::Strike { children },
        Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => Node::Link { href: dest_url.into_string(), children },
        // a block of raw HTML is a paragraph of its text, as typed
        Tag::HtmlBlock => Node::Paragraph { children },
        _ => return None,
    })
}

/// A closed container as it goes into its parent: a link whose target is not safe becomes
/// its content; a link without text shows its target.
fn finish(node: Node) -> Vec<Node> {
    match node {
        Node::Link { href, children } if !safe_href(&href) => children,
        Node::Link { href, mut children } => {
            if children.is_empty() {
                children.push(Node::Text { text: href.clone() });
            }
            vec![Node::Link { href, children }]
        }
        // an HTML block's text ends with its newline: not an empty line in the window
        Node::Paragraph { mut children } => {
            if let Some(Node::Text { text }) = children.last_mut() {
                let kept = text.trim_end_matches('\n').len();
                text.truncate(kept);
                if text.is_empty() {
                    children.pop();
                }
            }
            vec![Node::Paragraph { children }]
        }
        other => vec![other],
    }
}

/// The plain text of nodes (for an unsafe link's content, a notification, a search hit).
pub fn plain(nodes: &[Node]) -> String {
    let mut out = String::new();
    let mut stack: Vec<&Node> = nodes.iter().rev().collect();
    while let Some(n) = stack.pop() {
        match n {
            Node::Text { text } | Node::Code { text } => out.push_str(text),
            Node::CodeBlock { text, .. } => out.push_str(text),
            Node::Break => out.push('\n'),
            Node::Rule => {}
            container => stack.extend(container.children().iter().rev()),
        }
    }
    out
}

impl Node {
    /// A container's children (none for a leaf).
    pub fn children(&self) -> &[Node] {
        match self {
            Node::Paragraph { children }
            | Node::Heading { children }
            | Node::Quote { children }
            | Node::List { children, .. }
            | Node::Item { children }
            | Node::Strong { children }
            | Node::Emphasis { children }
            | Node::Strike { children }
            | Node::Link { children, .. } => children,
            _ => &[],
        }
    }
}

fn safe_href(href: &str) -> bool {
    let lower = href.trim_start().to_ascii_lowercase();
    (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")) && !href.chars().any(char::is_control)
}

fn children_of(node: &mut Node) -> Option<&mut Vec<Node>> {
    match node {
        Node::Paragraph { children }
        | Node::Heading { children }
        | Node::Quote { children }
        | Node::List { children, .. }
        | Node::Item { children }
        | Node::Strong { children }
        | Node::Emphasis { children }
        | Node::Strike { children }
        | Node::Link { children, .. } => Some(children),
        _ => None,
    }
}

/// Adds a node to the innermost kept container, or to the root.
fn push(root: &mut Vec<Node>, stack: &mut [Open], node: Node) {
    let target = stack.iter_mut().rev().find(|o| o.kept).and_then(|o| children_of(&mut o.node));
    match target {
        Some(children) => children.push(node),
        None => root.push(node),
    }
}

/// Adds text, with bare URLs as links (not inside a link).
fn push_text(root: &mut Vec<Node>, stack: &mut [Open], text: &str) {
    let in_link = stack.iter().any(|o| o.kept && matches!(o.node, Node::Link { .. }));
    if in_link {
        return push(root, stack, Node::Text { text: text.to_owned() });
    }
    for piece in linkify(text) {
        push(root, stack, piece);
    }
}

/// Splits text at bare `http://` and `https://` URLs (trailing punctuation left out, as
/// chat apps do: "see https://x.org." links `https://x.org`).
fn linkify(text: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        let (before, from) = rest.split_at(at);
        let end = from.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(from.len());
        let mut url = &from[..end];
        while let Some(last) = url.chars().last() {
            let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
            if matches!(last, '.' | ',' | ';' | ':' | '!' | '?' | '\'') || unbalanced_paren {
                url = &url[..url.len() - last.len_utf8()];
            } else {
                break;
            }
        }
        if url.len() <= "https://".len() {
            // a scheme alone: not a link
            let skip = at + from.find("//").map_or(1, |i| i + 2);
            out.push(Node::Text { text: rest[..skip].to_owned() });
            rest = &rest[skip..];
            continue;
        }
        if !before.is_empty() {
            out.push(Node::Text { text: before.to_owned() });
        }
        out.push(Node::Link { href: url.to_owned(), children: vec![Node::Text { text: url.to_owned() }] });
        rest = &from[url.len()..];
    }
    if !rest.is_empty() {
        out.push(Node::Text { text: rest.to_owned() });
    }
    out
}

fn find_url(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    let a = lower.find("https://");
    let b = lower.find("http://");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Node {
        Node::Text { text: s.into() }
    }

    fn depth(nodes: &[Node]) -> usize {
        let mut max = 0;
        let mut stack: Vec<(&Node, usize)> = nodes.iter().map(|n| (n, 1)).collect();
        while let Some((n, d)) = stack.pop() {
            max = max.max(d);
            stack.extend(n.children().iter().map(|c| (c, d + 1)));
        }
        max
    }

    #[test]
    fn what_chat_needs() {
        assert_eq!(
            parse("**bold** *it* ~~gone~~ `x < y`"),
            vec![Node::Paragraph {
                children: vec![
                    Node::Strong { children: vec![t("bold")] },
                    t(" "),
                    Node::Emphasis { children: vec![t("it")] },
                    t(" "),
                    Node::Strike { children: vec![t("gone")] },
                    t(" "),
                    Node::Code { text: "x < y".into() },
                ]
            }]
        );
        assert_eq!(parse("```rust\nfn main() {}\n```"), vec![Node::CodeBlock { lang: Some("rust".into()), text: "fn main() {}\n".into() }]);
        assert_eq!(parse("> quoted"), vec![Node::Quote { children: vec![Node::Paragraph { children: vec![t("quoted")] }] }]);
        let list = parse("1. one\n2. two");
        assert!(matches!(&list[0], Node::List { ordered: true, start: 1, children } if children.len() == 2), "{list:?}");
        assert_eq!(plain(&parse("# Plans\n\n- **a**\n- b")), "Plansab");
    }

    #[test]
    fn links_and_bare_urls() {
        assert_eq!(
            parse("see https://example.org/a_(b). ok"),
            vec![Node::Paragraph {
                children: vec![
                    t("see "),
                    Node::Link { href: "https://example.org/a_(b)".into(), children: vec![t("https://example.org/a_(b)")] },
                    t(". ok")
                ]
            }]
        );
        assert_eq!(
            parse("[docs](https://docs.rs)"),
            vec![Node::Paragraph { children: vec![Node::Link { href: "https://docs.rs".into(), children: vec![t("docs")] }] }]
        );
        // no link inside a link, nor in code
        assert_eq!(parse("`https://x.org`"), vec![Node::Paragraph { children: vec![Node::Code { text: "https://x.org".into() }] }]);
        assert_eq!(parse("http:// alone"), vec![Node::Paragraph { children: vec![t("http://"), t(" alone")] }]);
    }

    #[test]
    fn hostile_markup_is_inert() {
        // raw HTML is text
        let html = parse("<script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert_eq!(plain(&html), "<script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!format!("{html:?}").contains("Link"), "{html:?}");
        // unsafe targets lose their link, keep their text
        for bad in ["[click](javascript:alert(1))", "[x](data:text/html,<b>)", "[x](file:///etc/passwd)", "[x](vbscript:msgbox)"] {
            let tree = parse(bad);
            assert!(!format!("{tree:?}").contains("href"), "{bad}: {tree:?}");
        }
        // an image is a link to its URL, never an image
        assert_eq!(
            parse("![pixel](https://tracker.example/p.gif)"),
            vec![Node::Paragraph { children: vec![Node::Link { href: "https://tracker.example/p.gif".into(), children: vec![t("pixel")] }] }]
        );
        // code keeps markup as text
        assert_eq!(parse("`<b>hi</b>`"), vec![Node::Paragraph { children: vec![Node::Code { text: "<b>hi</b>".into() }] }]);
    }

    #[test]
    fn hostile_sizes_are_bounded() {
        let nested = format!("{} deep", ">".repeat(10_000));
        let tree = parse(&nested);
        assert!(depth(&tree) <= MAX_DEPTH + 1, "depth {}", depth(&tree));
        assert!(plain(&tree).contains("deep"));
        let lists = "- ".repeat(5_000) + "x";
        assert!(depth(&parse(&lists)) <= MAX_DEPTH + 1);
        let big = format!("```\n{}\n```", "x".repeat(64 * 1024));
        match &parse(&big)[..] {
            [Node::CodeBlock { text, .. }] => assert_eq!(text.len(), 64 * 1024 + 1),
            other => panic!("{other:?}"),
        }
        let emph = "*a ".repeat(10_000);
        assert!(depth(&parse(&emph)) <= MAX_DEPTH + 1);
    }

    #[test]
    fn a_single_newline_is_kept_as_typed() {
        assert_eq!(parse("two\nlines"), vec![Node::Paragraph { children: vec![Node::Text { text: "two\nlines".into() }] }]);
    }

    #[test]
    fn a_line_that_starts_with_html_is_text_and_keeps_its_links() {
        let t = |s: &str| Node::Text { text: s.into() };
        assert_eq!(
            parse("<script>window.__pwned = 1</script> and a link https://example.org/x"),
            vec![Node::Paragraph {
                children: vec![
                    t("<script>window.__pwned = 1</script> and a link "),
                    Node::Link { href: "https://example.org/x".into(), children: vec![t("https://example.org/x")] },
                ]
            }]
        );
        assert_eq!(parse("a <b>bold?</b> b"), vec![Node::Paragraph { children: vec![t("a <b>bold?</b> b")] }]);
        assert_eq!(parse("<div>\n\nx"), vec![Node::Paragraph { children: vec![t("<div>")] }, Node::Paragraph { children: vec![t("x")] }]);
    }
}
