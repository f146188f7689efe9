//! Spell checking in the composer: WebKitGTK's own (off by default there), switched on
//! through the webview's context with the system's dictionaries (hunspell, through enchant).
//! The language is the setting's, else the locale's; which dictionaries exist is read from
//! the directories enchant's hunspell provider reads.

use std::path::Path;

use crate::error::CommandError;
use crate::settings::SpellcheckPrefs;

/// Where hunspell dictionaries live on Linux distributions (`NAME.dic` + `NAME.aff`).
const DICT_DIRS: &[&str] = &["/usr/share/hunspell", "/usr/share/myspell", "/usr/share/myspell/dicts"];

/// A dictionary name from the UI: empty (the locale's), or like `en_US`, `de_DE_frami`,
/// `ca_ES-valencia`, `sr_RS@latin`: 2-3 lower-case letters, then `_`/`-`/`@`-separated parts
/// of letters and digits, 32 bytes at most. Nothing else reaches WebKit.
pub fn language(raw: &str) -> Result<String, CommandError> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    let bad = || CommandError::invalid("A spell checking language looks like en_US.");
    if s.len() > 32 {
        return Err(bad());
    }
    let head_len = s.find(['_', '-', '@']).unwrap_or(s.len());
    let (head, rest) = s.split_at(head_len);
    let parts_ok = rest.split(['_', '-', '@']).skip(1).all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if (2..=3).contains(&head.len()) && head.bytes().all(|b| b.is_ascii_lowercase()) && parts_ok {
        Ok(s.to_owned())
    } else {
        Err(bad())
    }
}

/// The locale's language as a dictionary name (`en_US.UTF-8` → `en_US`), from the variables
/// that decide the messages' language; `None` for C/POSIX or nothing set.
pub fn locale_language(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let raw = ["LC_ALL", "LC_MESSAGES", "LANG"].iter().find_map(|k| var(k).filter(|v| !v.is_empty()))?;
    let name = raw.split(['.', '@']).next().unwrap_or_default();
    if name == "C" || name == "POSIX" {
        return None;
    }
    language(name).ok().filter(|n| !n.is_empty())
}

/// The dictionaries installed in `dirs` (`NAME.dic` with its `NAME.aff`), sorted, deduplicated.
pub fn installed_in(dirs: &[&Path]) -> Vec<String> {
    let mut out: Vec<String> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let p = e.path();
            let stem = p.file_stem()?.to_str()?.to_owned();
            (p.extension()? == "dic" && p.with_extension("aff").exists() && language(&stem).is_ok()).then_some(stem)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The dictionaries on this machine.
pub fn installed() -> Vec<String> {
    installed_in(&DICT_DIRS.iter().map(Path::new).collect::<Vec<_>>())
}

/// The languages to give WebKit: the chosen one, else the locale's; else the first installed
/// English one, else the first installed. Empty: nothing to check with.
pub fn languages_for(prefs: &SpellcheckPrefs, locale: Option<&str>, installed: &[String]) -> Vec<String> {
    if !prefs.language.is_empty() {
        return vec![prefs.language.clone()];
    }
    if let Some(l) = locale {
        // `de` alone matches `de_DE`; `de_AT` without its dictionary falls back to `de_*`
        let base = l.split('_').next().unwrap_or(l);
        if let Some(hit) = installed.iter().find(|i| *i == l).or_else(|| installed.iter().find(|i| i.split('_').next() == Some(base))) {
            return vec![hit.clone()];
        }
    }
    installed.iter().find(|i| i.starts_with("en_")).or(installed.first()).cloned().into_iter().collect()
}

/// The dictionary "automatic" means on this machine (the locale's, or the fallback).
pub fn automatic(installed: &[String]) -> String {
    let locale = locale_language(|k| std::env::var(k).ok());
    languages_for(&SpellcheckPrefs::default(), locale.as_deref(), installed).into_iter().next().unwrap_or_default()
}

/// Applies the preferences to the window's webview (WebKitGTK on Linux).
pub fn apply<R: tauri::Runtime>(webview: &tauri::WebviewWindow<R>, prefs: &SpellcheckPrefs) {
    let locale = locale_language(|k| std::env::var(k).ok());
    let langs = languages_for(prefs, locale.as_deref(), &installed());
    let enabled = prefs.enabled && !langs.is_empty();
    tracing::info!(enabled, languages = ?langs, "spell checking");
    #[cfg(target_os = "linux")]
    {
        let r = webview.with_webview(move |pw| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(ctx) = pw.inner().context() {
                let refs: Vec<&str> = langs.iter().map(String::as_str).collect();
                if enabled {
                    ctx.set_spell_checking_languages(&refs);
                }
                ctx.set_spell_checking_enabled(enabled);
            }
        });
        if let Err(e) = r {
            tracing::warn!(error = %e, "could not set spell checking");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (webview, enabled);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_gives_the_language() {
        let env = |pairs: &'static [(&'static str, &'static str)]| move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
        assert_eq!(locale_language(env(&[("LANG", "en_US.UTF-8")])).as_deref(), Some("en_US"));
        assert_eq!(locale_language(env(&[("LANG", "en_US.UTF-8"), ("LC_MESSAGES", "de_DE@euro")])).as_deref(), Some("de_DE"));
        assert_eq!(locale_language(env(&[("LC_ALL", "fr_FR.UTF-8"), ("LANG", "en_US")])).as_deref(), Some("fr_FR"));
        assert_eq!(locale_language(env(&[("LANG", "C.UTF-8")])), None);
        assert_eq!(locale_language(env(&[("LANG", "POSIX")])), None);
        assert_eq!(locale_language(env(&[("LANG", "$(rm -rf)")])), None);
        assert_eq!(locale_language(env(&[])), None);
    }

    #[test]
    fn languages_prefer_the_setting_then_the_locale() {
        let installed = vec!["de_DE".to_owned(), "en_GB".to_owned(), "en_US".to_owned()];
        let auto = SpellcheckPrefs { enabled: true, language: String::new() };
        assert_eq!(languages_for(&auto, Some("en_US"), &installed), ["en_US"]);
        assert_eq!(languages_for(&auto, Some("de_AT"), &installed), ["de_DE"], "same language, other country");
        assert_eq!(languages_for(&auto, Some("ja_JP"), &installed), ["en_GB"], "no Japanese: English");
        assert_eq!(languages_for(&auto, None, &["nl_NL".to_owned()]), ["nl_NL"]);
        assert!(languages_for(&auto, Some("en_US"), &[]).is_empty(), "no dictionary at all");
        let chosen = SpellcheckPrefs { enabled: true, language: "pt_BR".into() };
        assert_eq!(languages_for(&chosen, Some("en_US"), &installed), ["pt_BR"]);
    }

    #[test]
    fn installed_dictionaries_need_both_files() {
        let dir = tempfile::tempdir().unwrap();
        for f in ["en_US.dic", "en_US.aff", "de_DE.dic", "README.txt", "bad name.dic", "bad name.aff"] {
            std::fs::write(dir.path().join(f), "").unwrap();
        }
        assert_eq!(installed_in(&[dir.path(), Path::new("/nonexistent")]), ["en_US"]);
    }
}
