//! The classic server refuses profanity ("Profanity is not allowed!"). What is refused
//! depends on `--profanity` ([`ProfanityMode`]):
//!
//! - `tutorial` (the default): exactly what the chat tutorial's filter refuses, the npm
//!   package `bad-words` 3.0.4 (`new Filter().isProfane(text)`): an entry of its list occurs
//!   in the text as a whole word, in any ASCII case. The list (`server/data/bad-words/`,
//!   with its MIT licences and origin) is embedded at build time. A drop-in replacement for
//!   a tutorial server thus refuses what it refused and accepts what it accepted.
//! - `strict`: `rustrict`, which also sees through spacing, leetspeak and look-alike letters,
//!   at the price of refusing some ordinary prose ("Convey the object code by offering…").
//! - `off`: nothing is refused.
//!
//! Per-room modes (chosen by a room's owner) come once rooms have owners; the mode is a
//! server-wide setting until then.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use rustrict::{CensorStr, Type};

use crate::config::ProfanityMode;

/// The tutorial filter's list: `new Filter().list` of bad-words 3.0.4 (its `lang.json` and
/// badwords-list 1.0.0), one entry per line, unchanged. See `server/data/bad-words/README.md`.
pub const TUTORIAL_LIST: &str = include_str!("../data/bad-words/words.txt");

/// The distinct entries of [`TUTORIAL_LIST`], ASCII lower-cased (every entry is ASCII).
pub fn tutorial_words() -> Vec<String> {
    let set: BTreeSet<String> =
        TUTORIAL_LIST.lines().filter(|l| !l.is_empty()).map(|l| l.to_ascii_lowercase()).collect();
    set.into_iter().collect()
}

/// True when `mode` refuses `text`.
pub fn refuses(mode: ProfanityMode, text: &str) -> bool {
    match mode {
        ProfanityMode::Tutorial => tutorial_refuses(text),
        ProfanityMode::Strict => is_profane(text),
        ProfanityMode::Off => false,
    }
}

/// Every entry of the list, found in one pass over the text, overlapping occurrences
/// included (an occurrence that fails the boundary test must not hide another one).
static TUTORIAL: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(tutorial_words())
        .expect("the embedded tutorial list builds") // static data, checked by a unit test
});

/// `bad-words`' `isProfane`, exactly. For each entry it tests
/// `new RegExp('\\b' + entry.replace(/(\W)/g, '\\$1') + '\\b', 'gi')` against the text, and
/// refuses when any entry matches (its exclude list is empty in the tutorial's `new Filter()`,
/// so nothing is exempt). Hence:
/// - the entry is a literal (every non-word character escaped), matched ASCII-case-
///   insensitively: without the `u` flag JavaScript folds no non-ASCII letter onto an ASCII
///   one, and every entry is ASCII;
/// - `\b` is JavaScript's: a word character is `[A-Za-z0-9_]` only, so a letter such as `ö`
///   is a boundary ("fuckö" is refused) and `_` or a digit is not ("fuck_you", "fuck1" pass);
/// - the boundary is tested on each side of the occurrence, whatever the entry's own first
///   and last characters are: an entry that starts or ends with a non-word character
///   ("@$$", "s.o.b.", "shi+") matches only when a word character touches that side, so
///   "a@$$b" is refused and "@$$" alone is not. Odd, but it is what the tutorial does.
///
/// In UTF-8 every byte of a non-ASCII character is a non-word byte, so testing boundaries on
/// bytes gives JavaScript's answer on UTF-16 code units.
pub fn tutorial_refuses(text: &str) -> bool {
    let bytes = text.as_bytes();
    TUTORIAL.find_overlapping_iter(text).any(|m| boundary(bytes, m.start()) && boundary(bytes, m.end()))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// JavaScript's `\b` at byte offset `i`: a word character on exactly one side.
fn boundary(bytes: &[u8], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|j| bytes.get(j)).is_some_and(|&b| is_word_byte(b));
    let after = bytes.get(i).is_some_and(|&b| is_word_byte(b));
    before != after
}

/// The `strict` filter: true when the text contains profanity (or sexual or offensive terms)
/// of moderate or higher severity, as `rustrict` sees it (through spacing, leetspeak and
/// look-alike characters). Mild words ("damn", "crap") pass.
///
/// Words made only of digits and punctuation are left out before the check: rustrict reads
/// digits as leetspeak and flags about 6% of six-digit numbers (measured: 6,135 of 100,000),
/// so phone numbers, times and codes would be refused. Leetspeak inside a word ("sh1t") is
/// still caught.
pub fn is_profane(text: &str) -> bool {
    let flagged = (Type::PROFANE | Type::SEXUAL | Type::OFFENSIVE) & Type::MODERATE_OR_HIGHER;
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return text.is(flagged);
    }
    let words: Vec<&str> = text.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).collect();
    if words.is_empty() {
        return false;
    }
    words.join(" ").is(flagged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    const MODES: [(ProfanityMode, &str); 2] = [(ProfanityMode::Tutorial, "tutorial"), (ProfanityMode::Strict, "strict")];

    fn mixed_case(w: &str) -> String {
        w.chars().enumerate().map(|(i, c)| if i % 2 == 0 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }).collect()
    }

    /// The entry in a sentence, touched on a side by a word character where the entry's own
    /// edge is not one: the only way bad-words refuses such an entry (see `tutorial_refuses`).
    fn in_sentence(w: &str) -> String {
        let b = w.as_bytes();
        let pre = if b.first().is_some_and(|&c| is_word_byte(c)) { " " } else { " a" };
        let post = if b.last().is_some_and(|&c| is_word_byte(c)) { " " } else { "a " };
        format!("I said{pre}{w}{post}to them.")
    }

    #[test]
    fn the_embedded_list_is_the_tutorials() {
        assert_eq!(TUTORIAL_LIST.lines().count(), 897);
        let words = tutorial_words();
        assert_eq!(words.len(), 736);
        assert!(words.iter().all(|w| w.is_ascii() && !w.is_empty() && w.trim() == w));
        LazyLock::force(&TUTORIAL);
    }

    #[test]
    fn every_list_word_is_refused_in_a_sentence_in_any_case() {
        let words = tutorial_words();
        for w in &words {
            for form in [w.clone(), w.to_ascii_uppercase(), mixed_case(w)] {
                let s = in_sentence(&form);
                assert!(tutorial_refuses(&s), "{s:?}");
                assert!(!refuses(ProfanityMode::Off, &s), "off refused {s:?}");
            }
        }
        // Between plain spaces, as a person would type it: every entry with word characters
        // at both ends is refused; of the others, bad-words refuses only those that contain
        // another entry ("*fuck*", "arse*"), and so do we. 711 of 736 is bad-words' own
        // figure (the node differential test checks every one against it).
        let mut counts = Vec::new();
        for (mode, name) in MODES {
            let refused: Vec<&String> = words.iter().filter(|w| refuses(mode, &format!("I said {w} to them."))).collect();
            if mode == ProfanityMode::Tutorial {
                for w in &words {
                    let b = w.as_bytes();
                    if b.first().is_some_and(|&c| is_word_byte(c)) && b.last().is_some_and(|&c| is_word_byte(c)) {
                        assert!(refused.contains(&w), "{w:?}");
                    }
                }
                assert_eq!(refused.len(), 711);
            }
            counts.push(format!("{name}: {} of {} distinct list entries refused in a sentence", refused.len(), words.len()));
        }
        println!("{}", counts.join("; "));
    }

    #[test]
    fn whole_words_only_as_javascript_sees_them() {
        for (text, refused) in [
            ("what the fuck", true),
            ("FUCK this", true),
            ("fUcK", true),
            ("hello.fuck", true),
            ("e-mail fuck-you", true),
            ("https://x.example/fuck", true),
            ("fuckö", true), // ö is not a word character for JavaScript's \b
            ("ßfuck", true),
            ("fück", false),
            ("fuck_you", false), // _ and digits are
            ("fuck1", false),
            ("5h1t", true), // an entry as it is written
            ("blow job", true),
            ("BLOW JOB", true),
            ("blow  job", false),
            ("blow\tjob", false),
            ("I said f u c k it", true),
            ("@$$", false), // entries with a non-word edge need a word character there
            ("a@$$b", true),
            ("s.o.b.", false),
            ("s.o.b.x", true),
            ("shi+", false),
            ("shi+x", true),
            ("fu(*k", true),
            ("nigger;x", true),
            ("x*damn", true),
            ("\u{212a}ill \u{17f}hit", false), // Kelvin sign, long s: not folded to ASCII
            ("", false),
        ] {
            assert_eq!(tutorial_refuses(text), refused, "{text:?}");
        }
    }

    #[test]
    fn scunthorpe_passes() {
        for ok in [
            "Scunthorpe is a town",
            "class assessment at 3pm",
            "a cocktail at the bassist's",
            "Dickens wrote it",
            "the therapist's analysis",
            "cumulative grasshopper",
            "Penistone and Sussex",
            "shiitake mushrooms",
            "Arsenal won",
            "I passed the exam!",
            "<img src=x onerror=alert(1)>",
        ] {
            assert!(!tutorial_refuses(ok), "{ok}");
        }
        // Every entry inside a longer word passes, unless that word is itself an entry.
        let words = tutorial_words();
        let set: BTreeSet<&str> = words.iter().map(String::as_str).collect();
        let mut checked = 0;
        for w in words.iter().filter(|w| w.bytes().all(is_word_byte)) {
            for longer in [format!("un{w}ed"), format!("{w}ing"), format!("x{w}")] {
                if !set.contains(longer.as_str()) {
                    let s = format!("They {longer} it.");
                    assert!(!tutorial_refuses(&s), "{s:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 1500, "{checked}");
    }

    #[test]
    fn strict_refuses_profanity_and_evasions() {
        assert!(is_profane("what the fuck"));
        assert!(is_profane("you are a sh1t"));
        assert!(is_profane("f u c k this"));
    }

    #[test]
    fn strict_numbers_are_not_words() {
        for ok in ["call 0800 123 456", "ETA 5318008", "8008135", "my pin is 293003", "12:45", "+44 20 7946 0958"] {
            assert!(!is_profane(ok), "{ok}");
        }
        let flagged = (0..20_000u64).map(|i| (i * 7919 % 1_000_003).to_string()).filter(|n| is_profane(n)).count();
        assert_eq!(flagged, 0);
    }

    #[test]
    fn strict_passes_ordinary_chat() {
        for ok in ["hello there", "Scunthorpe is a town", "class assessment at 3pm", "<img src=x onerror=alert(1)>", "I passed the exam!"] {
            assert!(!is_profane(ok), "{ok}");
        }
    }

    fn distinct_lines<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<String> {
        let set: BTreeSet<String> = lines.map(str::trim).filter(|l| !l.is_empty() && *l != ".").map(String::from).collect();
        set.into_iter().collect()
    }

    /// The licence texts Debian ships in base-files; None (with a note) where absent.
    fn licence_lines() -> Option<Vec<String>> {
        let dir = Path::new("/usr/share/common-licenses");
        let mut text = String::new();
        for name in ["GPL-3", "Apache-2.0", "Artistic"] {
            match std::fs::read_to_string(dir.join(name)) {
                Ok(t) => text.push_str(&t),
                Err(e) => {
                    println!("skipped: {}/{name} cannot be read ({e}); not a Debian machine?", dir.display());
                    return None;
                }
            }
        }
        Some(distinct_lines(text.lines()))
    }

    /// The description lines of the installed packages (their `Description:` fields).
    fn package_description_lines() -> Option<Vec<String>> {
        let status = match std::fs::read_to_string("/var/lib/dpkg/status") {
            Ok(s) => s,
            Err(e) => {
                println!("skipped: /var/lib/dpkg/status cannot be read ({e}); not a Debian machine?");
                return None;
            }
        };
        let mut lines = Vec::new();
        let mut in_description = false;
        for line in status.lines() {
            if let Some(summary) = line.strip_prefix("Description: ") {
                in_description = true;
                lines.push(summary);
            } else if in_description && line.starts_with(' ') {
                lines.push(line);
            } else {
                in_description = false;
            }
        }
        Some(distinct_lines(lines.into_iter()))
    }

    #[test]
    fn ordinary_prose_is_not_refused_in_tutorial_mode() {
        let mut report = Vec::new();
        let mut tutorial_refusals = Vec::new();
        for (corpus, lines) in [("licence lines", licence_lines()), ("package description lines", package_description_lines())] {
            let Some(lines) = lines else { continue };
            assert!(lines.len() > 100, "{corpus}: only {} lines", lines.len());
            for (mode, name) in MODES {
                let started = std::time::Instant::now();
                let refused: Vec<&String> = lines.iter().filter(|l| refuses(mode, l)).collect();
                let took = started.elapsed();
                report.push(format!(
                    "{name}: {} of {} distinct {corpus} refused ({:.1} µs a line){}",
                    refused.len(),
                    lines.len(),
                    took.as_secs_f64() * 1e6 / lines.len() as f64,
                    if refused.is_empty() { String::new() } else { format!(", e.g. {:?}", &refused[..refused.len().min(3)]) }
                ));
                if mode == ProfanityMode::Tutorial {
                    tutorial_refusals.extend(refused.into_iter().cloned());
                }
            }
        }
        println!("{}", report.join("\n"));
        assert!(tutorial_refusals.is_empty(), "tutorial mode refused ordinary prose: {tutorial_refusals:?}\n{}", report.join("\n"));
    }
}
