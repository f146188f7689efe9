//! The app on the desktop: Quit (the tray menu's and Ctrl+Q) and the unread totals the tray
//! icon and the launcher badge show (tray.rs, badge.rs).

use tauri::AppHandle;

use crate::error::{CmdResult, CommandError};
use crate::ipc::UnreadRequest;
use crate::tray;

/// Largest total taken: more than anyone reads, and far from overflowing a badge.
const MAX_TOTAL: u32 = 1_000_000;

/// Checks the page's totals: mentions are unread messages too.
pub fn checked(r: UnreadRequest) -> CmdResult<tray::Unread> {
    if r.unread > MAX_TOTAL || r.mentions > r.unread {
        return Err(CommandError::invalid("Unread totals out of range."));
    }
    Ok(tray::Unread { unread: r.unread, mentions: r.mentions })
}

/// Ends Banter and the server it hosts.
#[tauri::command]
pub async fn quit(app: AppHandle) -> CmdResult<()> {
    tray::quit(&app);
    Ok(())
}

/// The page's unread totals over every room and DM.
#[tauri::command]
pub async fn set_unread(app: AppHandle, request: UnreadRequest) -> CmdResult<()> {
    tray::set_unread(&app, checked(request)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_checked() {
        assert_eq!(checked(UnreadRequest { unread: 3, mentions: 1 }).unwrap(), tray::Unread { unread: 3, mentions: 1 });
        assert!(checked(UnreadRequest { unread: 1, mentions: 2 }).is_err(), "more mentions than unread");
        assert!(checked(UnreadRequest { unread: MAX_TOTAL + 1, mentions: 0 }).is_err());
    }
}
