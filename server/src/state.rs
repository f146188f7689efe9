//! What every handler shares.

use std::sync::Arc;

use banter_protocol::ext::{self, Hello, Limits};
use crate::sio::SocketIo;

use crate::accounts::Accounts;
use crate::config::Config;
use crate::membership::Membership;
use crate::metrics::Metrics;
use crate::rooms::Rooms;
use crate::store::Store;

pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub rooms: Rooms,
    pub metrics: Metrics,
    pub io: SocketIo,
    pub accounts: Accounts,
    /// Accounts' rooms and read markers (`membership/`).
    pub membership: Membership,
    pub room_limits: crate::room_limits::RoomLimits,
    /// Room owners, settings, roles, bans and the moderation log (`moderation/`).
    pub moderation: crate::moderation::Moderation,
    /// Direct messages' member sets and blocks (`dms/`).
    pub dms: crate::dms::Dms,
    /// The full-text index of messages (`search/`).
    pub search: Arc<dyn crate::search::SearchStore>,
    /// Uploads: the files directory, its table, links, the quota (`files/`).
    pub files: crate::files::Files,
    /// The cross-node pub/sub under the Socket.IO adapter (standalone on one node).
    pub cluster: crate::cluster::driver::ClusterDriver,
    /// Who holds which name in which room on every node (`cluster/presence.rs`).
    pub presence: crate::cluster::presence::Presence,
    /// Acts on sockets for the other nodes to run on theirs (`cluster/control.rs`).
    pub control: crate::cluster::control::ControlBus,
}

pub type Shared = Arc<AppState>;

impl AppState {
    pub fn limits(&self) -> Limits {
        Limits {
            max_message_chars: self.config.max_message_chars,
            max_username_chars: banter_protocol::rules::MAX_USERNAME_CHARS as u32,
            max_room_chars: banter_protocol::rules::MAX_ROOM_CHARS as u32,
            history_on_join: self.config.history_on_join,
            messages_per_second: self.config.rate_limit,
            max_upload_bytes: self.config.files.max_upload_bytes,
        }
    }

    pub fn features(&self) -> Vec<String> {
        let mut f: Vec<String> = ext::features::ALL.iter().map(|s| s.to_string()).collect();
        if self.config.token.is_some() {
            f.push(ext::features::AUTH.into());
        }
        f.push(ext::features::ACCOUNTS.into());
        f.push(banter_protocol::membership::FEATURE.into());
        f.push(banter_protocol::rooms::FEATURE.into());
        f.push(banter_protocol::dms::FEATURE.into());
        f.push(banter_protocol::search::FEATURE.into());
        f.push(banter_protocol::edits::FEATURE.into());
        f.push(banter_protocol::reactions::FEATURE.into());
        f.push(ext::REPLIES_FEATURE.into());
        f.push(banter_protocol::files::FEATURE.into());
        f
    }

    pub fn hello(&self) -> Hello {
        Hello {
            protocol: ext::PROTOCOL_VERSION,
            server: format!("banter-server/{}", env!("CARGO_PKG_VERSION")),
            features: self.features(),
            limits: self.limits(),
            accounts: Some(self.accounts.info()),
            account: None,
            files: Some(banter_protocol::files::FilesInfo { max_upload_bytes: self.config.files.max_upload_bytes, quota_bytes: self.config.files.quota_bytes }),
        }
    }
}
