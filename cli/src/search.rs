//! `banter-cli search --server URL --name NAME --query TEXT [--room R] [--json]`: searches
//! the rooms and DMs of the signed-in account (its stored session, `account login`), newest
//! first. Readable lines mark the words found with `[` `]`; `--json` prints one object per
//! hit (room, id, seq, username, createdAt, text, and the marked snippet).

use banter_client::{time, SearchHit};
use chrono::Local;

use crate::account::{self, AccountArgs};

#[derive(clap::Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub account: AccountArgs,
    /// Words (all of them; the last may be the start of a word), and from:NAME, in:ROOM,
    /// before:YYYY-MM-DD, after:YYYY-MM-DD.
    #[arg(long)]
    pub query: String,
    /// Only this room or DM.
    #[arg(long)]
    pub room: Option<String>,
    /// At most this many results (1 to 100).
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
    /// One JSON object per line on stdout.
    #[arg(long)]
    pub json: bool,
}

/// One hit as a line.
pub fn line(h: &SearchHit, json: bool) -> String {
    if json {
        let text: String = h.snippet.iter().map(|s| s.text.as_str()).collect();
        return serde_json::json!({
            "room": h.room, "id": h.id, "seq": h.seq, "username": h.username,
            "createdAt": time::rfc3339(h.created_at, &Local), "text": text, "snippet": h.snippet,
        })
        .to_string();
    }
    let snippet: String = h.snippet.iter().map(|s| if s.hit { format!("[{}]", s.text) } else { s.text.clone() }).collect();
    let at = time::to_zone(h.created_at, &Local).map(|t| t.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default();
    format!("#{} [{at}] {}: {}", h.room, h.username, snippet.replace('\n', " "))
}

pub async fn run(args: SearchArgs) -> u8 {
    let account::SignedIn { access, client, session, .. } = match account::signed_in(&args.account).await {
        Ok(x) => x,
        Err(code) => return code,
    };
    match client.search_account(&access, &session, &args.query, args.room.as_deref(), Some(args.limit.clamp(1, 100))).await {
        Ok(hits) => {
            for h in &hits {
                println!("{}", line(h, args.json));
            }
            if hits.is_empty() && !args.json {
                eprintln!("banter-cli: nothing found");
            }
            0
        }
        Err(e) => account::fail(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use banter_client::Segment;

    #[test]
    fn hits_are_marked_lines() {
        let h = SearchHit {
            room: "lobby".into(),
            id: "x".into(),
            seq: 3,
            username: "ann".into(),
            created_at: 0,
            snippet: vec![Segment { text: "the ".into(), hit: false }, Segment { text: "plan".into(), hit: true }, Segment { text: "\nis".into(), hit: false }],
        };
        let l = line(&h, false);
        assert!(l.starts_with("#lobby [") && l.ends_with("ann: the [plan] is"), "{l}");
        let v: serde_json::Value = serde_json::from_str(&line(&h, true)).unwrap();
        assert_eq!((v["text"].as_str(), v["seq"].as_u64()), (Some("the plan\nis"), Some(3)));
    }
}
