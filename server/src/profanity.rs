//! The classic server refuses profanity ("Profanity is not allowed!"). The tutorial uses
//! the `bad-words` npm list; we use `rustrict`, a maintained filter that also sees through
//! spacing, leetspeak and look-alike characters.

use rustrict::{CensorStr, Type};

/// True when the text contains profanity (or sexual or offensive terms) of moderate or
/// higher severity. Mild words ("damn", "crap") pass, as in most chat rooms.
pub fn is_profane(text: &str) -> bool {
    text.is((Type::PROFANE | Type::SEXUAL | Type::OFFENSIVE) & Type::MODERATE_OR_HIGHER)
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
    fn passes_ordinary_chat() {
        for ok in ["hello there", "Scunthorpe is a town", "class assessment at 3pm", "<img src=x onerror=alert(1)>", "I passed the exam!"] {
            assert!(!is_profane(ok), "{ok}");
        }
    }
}
