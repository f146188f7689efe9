//! The Redis side of presence: key names and the Lua scripts that change them atomically.
//!
//! Keys, under a prefix `P` (`banter:` or `banter:<cluster>:`, [`prefix`]):
//! - `P epoch`: a random value set once; it vanishes when Redis loses its data (a restart
//!   without persistence), which every node then notices at its next heartbeat;
//! - `P joins`: the join counter (INCR), giving the cluster-wide join order;
//! - `P nodes`: the set of nodes that registered holders or heartbeats;
//! - `P node:<node>`: the node's liveness key, its incarnation as value, expiring (PX ttl)
//!   unless the node's heartbeat refreshes it;
//! - `P node-holders:<node>`: hash `<sid>\n<room>` → name key, every holder of that node (so a
//!   dead node's holders are found without scanning rooms);
//! - `P names:<room>`: hash name key → owner: `g` (a guest) or `a<account id>`;
//! - `P counts:<room>`: hash name key → how many sockets hold that name in the room;
//! - `P holders:<room>`: hash `<node> <sid>` → the holder as JSON
//!   (`{"k":name key,"n":name,"a":account or "","c":"1"|"0","j":join order,"node","sid"}`).
//!
//! The room comes last in every key, so any room name is unambiguous; node ids and sids may
//! not contain a space or a newline ([`valid_node_id`], [`valid_sid`]).
//!
//! The scripts build room and node keys themselves, from `P` passed as their first argument:
//! presence needs one Redis (or a primary with replicas), not Redis Cluster. They are sent
//! with EVAL each time (the `redis` crate's `script` feature is off; Redis caches the compiled
//! script by its SHA, so a call costs the script's ~1 KB on the wire).

/// `banter:` and, when `cluster` is not empty, `<cluster>:`.
pub fn prefix(cluster: &str) -> String {
    if cluster.is_empty() {
        "banter:".to_owned()
    } else {
        format!("banter:{cluster}:")
    }
}

/// Node ids and cluster prefixes: 1 to 64 of `A-Z a-z 0-9 . _ -`.
pub fn valid_node_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Socket ids: not empty, no space, no control characters (they separate key parts).
pub fn valid_sid(sid: &str) -> bool {
    !sid.is_empty() && sid.len() <= 128 && !sid.chars().any(|c| c == ' ' || c.is_control())
}

/// The index of `node`'s holders (`<sid>\n<room>` → name key).
pub fn node_holders_key(prefix: &str, node: &str) -> String {
    format!("{prefix}node-holders:{node}")
}

/// The owner stored for a claim: `g` for a guest, `a<id>` for an account.
pub fn owner(account: Option<i64>) -> String {
    match account {
        Some(id) => format!("a{id}"),
        None => "g".to_owned(),
    }
}

/// ARGV: P, room, name key, node, sid, owner, name, account ("" or digits), classic ("1"/"0"),
/// ttl ms. Returns 2: granted, first holder of the name in the room; 1: granted,
/// the name was held already by the same account (or this very socket: a repeated claim);
/// 0: taken (by a guest, another account, or this socket holds another name here).
/// A node whose liveness key is gone (Redis lost its data, or the node was taken for dead)
/// gets it back with the value `lost`, so no other node reaps this claim before the next
/// heartbeat, which sees `lost` and re-registers the node's other holders.
pub const CLAIM: &str = r#"
local P, room, key, node, sid, owner, name, account, classic, ttl =
  ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local holders = P .. 'holders:' .. room
local field = node .. ' ' .. sid
local existing = redis.call('HGET', holders, field)
if existing then
  if cjson.decode(existing).k == key then return 1 end
  return 0
end
local names = P .. 'names:' .. room
local held = redis.call('HGET', names, key)
if held and (held ~= owner or owner == 'g') then return 0 end
local live = P .. 'node:' .. node
if redis.call('EXISTS', live) == 0 then redis.call('SET', live, 'lost', 'PX', ttl) end
if not held then redis.call('HSET', names, key, owner) end
local count = redis.call('HINCRBY', P .. 'counts:' .. room, key, 1)
local j = redis.call('INCR', P .. 'joins')
redis.call('HSET', holders, field, cjson.encode({k = key, n = name, a = account, c = classic, j = tostring(j), node = node, sid = sid}))
redis.call('HSET', P .. 'node-holders:' .. node, sid .. '\n' .. room, key)
redis.call('SADD', P .. 'nodes', node)
if count == 1 then return 2 end
return 1
"#;

/// ARGV: P, room, name key, node, sid. Removes that holder (if there) and returns
/// `{last, name}`: last 1 when no socket holds the name in the room any more (then name is
/// the removed holder's display name, or "" when this socket held nothing), 0 otherwise.
pub const RELEASE: &str = r#"
local P, room, key, node, sid = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local holders = P .. 'holders:' .. room
local counts = P .. 'counts:' .. room
local field = node .. ' ' .. sid
local existing = redis.call('HGET', holders, field)
if not existing then
  if redis.call('HEXISTS', counts, key) == 1 then return {0, ''} end
  return {1, ''}
end
local h = cjson.decode(existing)
redis.call('HDEL', holders, field)
redis.call('HDEL', P .. 'node-holders:' .. node, sid .. '\n' .. room)
if redis.call('HINCRBY', counts, h.k, -1) > 0 then return {0, h.n} end
redis.call('HDEL', counts, h.k)
redis.call('HDEL', P .. 'names:' .. room, h.k)
return {1, h.n}
"#;

/// ARGV: P, room. The holders (JSON) of the room whose node's liveness key exists, in hash
/// order (the caller sorts by `j`).
pub const MEMBERS: &str = r#"
local P = ARGV[1]
local all = redis.call('HGETALL', P .. 'holders:' .. ARGV[2])
local live, out = {}, {}
for i = 2, #all, 2 do
  local h = cjson.decode(all[i])
  local ok = live[h.node]
  if ok == nil then
    ok = redis.call('EXISTS', P .. 'node:' .. h.node) == 1
    live[h.node] = ok
  end
  if ok then out[#out + 1] = all[i] end
end
return out
"#;

/// ARGV: P, this node, only. With `only` empty: every known node other than this one whose
/// liveness key is gone; with `only` a node id: that node whatever its liveness (a clean
/// shutdown, or the leftovers of this node's previous run), and its liveness key is deleted.
/// Removes those nodes' holders and returns `{nodes, gone}`: the nodes removed, and
/// `{room, name key, name}` for every name that has no holder left in its room. Atomic and
/// idempotent: two nodes reaping at once report each removal once.
pub const REAP: &str = r#"
local P, me, only = ARGV[1], ARGV[2], ARGV[3]
local candidates
if only ~= '' then candidates = {only} else candidates = redis.call('SMEMBERS', P .. 'nodes') end
local reaped, gone = {}, {}
for _, node in ipairs(candidates) do
  if only ~= '' or (node ~= me and redis.call('EXISTS', P .. 'node:' .. node) == 0) then
    local index = P .. 'node-holders:' .. node
    local entries = redis.call('HGETALL', index)
    for i = 1, #entries, 2 do
      local f = entries[i]
      local nl = string.find(f, '\n', 1, true)
      if nl then
        local sid, room = string.sub(f, 1, nl - 1), string.sub(f, nl + 1)
        local holders = P .. 'holders:' .. room
        local field = node .. ' ' .. sid
        local existing = redis.call('HGET', holders, field)
        if existing then
          local h = cjson.decode(existing)
          redis.call('HDEL', holders, field)
          local counts = P .. 'counts:' .. room
          if redis.call('HINCRBY', counts, h.k, -1) <= 0 then
            redis.call('HDEL', counts, h.k)
            redis.call('HDEL', P .. 'names:' .. room, h.k)
            gone[#gone + 1] = {room, h.k, h.n}
          end
        end
      end
    end
    redis.call('DEL', index)
    redis.call('SREM', P .. 'nodes', node)
    if only ~= '' then redis.call('DEL', P .. 'node:' .. node) end
    reaped[#reaped + 1] = node
  end
end
return {reaped, gone}
"#;

/// ARGV: P, node, incarnation, ttl ms, a fresh epoch. Refreshes the node's liveness key and
/// returns `{previous value of the key or "", the epoch}` (the epoch is set to the fresh one
/// when Redis had none).
pub const HEARTBEAT: &str = r#"
local P, node, inc, ttl, fresh = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local live = P .. 'node:' .. node
local old = redis.call('GET', live)
redis.call('SET', live, inc, 'PX', ttl)
redis.call('SADD', P .. 'nodes', node)
local epoch = redis.call('GET', P .. 'epoch')
if not epoch then
  redis.call('SET', P .. 'epoch', fresh)
  epoch = fresh
end
return {old or '', epoch}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_names_the_cluster_when_there_is_one() {
        assert_eq!(prefix(""), "banter:");
        assert_eq!(prefix("eu1"), "banter:eu1:");
        assert_eq!(node_holders_key(&prefix("eu1"), "n-1"), "banter:eu1:node-holders:n-1");
    }

    #[test]
    fn node_ids_and_sids_cannot_break_key_parts() {
        assert!(valid_node_id("web-1.eu_2"));
        assert!(!valid_node_id(""));
        assert!(!valid_node_id("a b"));
        assert!(!valid_node_id("a:b"));
        assert!(!valid_node_id(&"x".repeat(65)));
        assert!(valid_sid("aBc-_09+/="));
        assert!(!valid_sid("a b"));
        assert!(!valid_sid("a\nb"));
        assert!(!valid_sid(""));
    }

    #[test]
    fn owners_tell_guests_from_accounts() {
        assert_eq!(owner(None), "g");
        assert_eq!(owner(Some(42)), "a42");
        assert_eq!(owner(Some(-1)), "a-1");
    }
}
