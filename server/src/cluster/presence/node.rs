//! This node's side of the registry: its requests to Redis (claims, releases, member lists,
//! reaping, heartbeats, registering again), what the scripts answer, and the node's task.
//! [`super::Presence`] is the API over it.

use super::*;

/// A holder as stored in `P holders:<room>` (see `scripts`).
#[derive(Debug, Deserialize)]
struct StoredHolder {
    k: String,
    n: String,
    a: String,
    c: String,
    j: String,
    node: String,
    sid: String,
}

impl StoredHolder {
    fn into_member(self) -> Option<RemoteMember> {
        let account = if self.a.is_empty() { None } else { Some(self.a.parse().ok()?) };
        Some(RemoteMember {
            name_key: self.k,
            name: self.n,
            sid: self.sid,
            node: self.node,
            account,
            classic: self.c == "1",
            joined: self.j.parse().ok()?,
        })
    }
}

/// The holders of a MEMBERS answer, in join order (malformed entries skipped).
fn parse_members(json: &[String]) -> Vec<RemoteMember> {
    let mut members: Vec<RemoteMember> =
        json.iter().filter_map(|s| serde_json::from_str::<StoredHolder>(s).ok()).filter_map(StoredHolder::into_member).collect();
    members.sort_by_key(|m| m.joined);
    members
}

/// The answer of the REAP script: `{nodes, {{room, name key, name}, …}}`.
fn parse_reaped(value: Value) -> Result<DeadMembers, ServerError> {
    let (nodes, gone): (Vec<String>, Vec<(String, String, String)>) = FromRedisValue::from_redis_value(value)
        .map_err(|e| ServerError::Cluster(format!("unexpected answer from the reap script: {e}")))?;
    let mut dead = DeadMembers { nodes, rooms: BTreeMap::new() };
    for (room, name_key, name) in gone {
        dead.add(room, GoneName { name_key, name });
    }
    Ok(dead)
}

fn claim_answer(code: i64) -> Claim {
    match code {
        2 => Claim::Granted { first: true },
        1 => Claim::Granted { first: false },
        _ => Claim::Taken,
    }
}

pub(super) struct Beat {
    /// The liveness key's value before this heartbeat ("" when it was gone).
    pub(super) previous: String,
    pub(super) epoch: String,
}

impl Inner {
    pub(super) fn block<F: Future>(&self, fut: F) -> F::Output {
        match Handle::try_current() {
            Ok(_) => tokio::task::block_in_place(|| self.rt.block_on(fut)),
            Err(_) => self.rt.block_on(fut),
        }
    }

    /// Runs one request with [`REQUEST_TIMEOUT`], keeping `connected` and `last_error`.
    pub(super) async fn request<T: FromRedisValue>(&self, what: &str, cmd: redis::Cmd) -> Result<T, ServerError> {
        self.open(what)?;
        let mut conn = self.conn.clone();
        let result = within(what, REQUEST_TIMEOUT, cmd.query_async::<T>(&mut conn)).await;
        self.note(what, result)
    }

    pub(super) async fn pipeline<T: FromRedisValue>(&self, what: &str, pipe: redis::Pipeline) -> Result<T, ServerError> {
        self.open(what)?;
        let mut conn = self.conn.clone();
        let result = within(what, REQUEST_TIMEOUT, pipe.query_async::<T>(&mut conn)).await;
        self.note(what, result)
    }

    /// Refuses every request once the node has left the registry (it is shutting down).
    pub(super) fn open(&self, what: &str) -> Result<(), ServerError> {
        if self.closed.load(Relaxed) {
            return Err(ServerError::Cluster(format!("{what}: this node is shutting down")));
        }
        Ok(())
    }

    pub(super) fn note<T>(&self, what: &str, result: Result<T, RedisError>) -> Result<T, ServerError> {
        match result {
            Ok(v) => {
                self.connected.store(true, Relaxed);
                Ok(v)
            }
            Err(e) => {
                let message = format!("{what}: {e}");
                if self.connected.swap(false, Relaxed) {
                    tracing::warn!(error = %message, "Redis unreachable: presence falls back to this node's members");
                }
                self.needs_reassert.store(true, Relaxed);
                *lock(&self.last_error) = Some(message.clone());
                Err(ServerError::Cluster(message))
            }
        }
    }

    pub(super) fn eval(&self, script: &str) -> redis::Cmd {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(0).arg(&self.prefix);
        cmd
    }

    pub(super) fn claim_cmd(&self, room: &str, name_key: &str, h: &Holder) -> redis::Cmd {
        let mut cmd = self.eval(scripts::CLAIM);
        cmd.arg(room)
            .arg(name_key)
            .arg(&h.node)
            .arg(&h.sid)
            .arg(scripts::owner(h.account))
            .arg(&h.name)
            .arg(h.account.map(|a| a.to_string()).unwrap_or_default())
            .arg(if h.classic { "1" } else { "0" })
            .arg(self.ttl.as_millis() as u64);
        cmd
    }

    pub(super) fn release_cmd(&self, room: &str, name_key: &str, node: &str, sid: &str) -> redis::Cmd {
        let mut cmd = self.eval(scripts::RELEASE);
        cmd.arg(room).arg(name_key).arg(node).arg(sid);
        cmd
    }

    pub(super) async fn claim(&self, room: &str, name_key: &str, holder: &Holder) -> Result<Claim, ServerError> {
        check_holder(holder)?;
        let code: i64 = self.request("claim", self.claim_cmd(room, name_key, holder)).await?;
        Ok(claim_answer(code))
    }

    pub(super) async fn release(&self, room: &str, name_key: &str, node: &str, sid: &str) -> Result<(Released, String), ServerError> {
        let (last, name): (i64, String) = self.request("release", self.release_cmd(room, name_key, node, sid)).await?;
        Ok((if last == 1 { Released::Last } else { Released::Others }, name))
    }

    pub(super) async fn members(&self, room: &str) -> Result<Vec<RemoteMember>, ServerError> {
        let mut cmd = self.eval(scripts::MEMBERS);
        cmd.arg(room);
        let json: Vec<String> = self.request("members", cmd).await?;
        Ok(parse_members(&json))
    }

    /// Removes the holders of `only` (whatever its liveness), or of every other dead node.
    pub(super) async fn reap(&self, only: Option<&str>) -> Result<DeadMembers, ServerError> {
        let mut cmd = self.eval(scripts::REAP);
        cmd.arg(&self.node).arg(only.unwrap_or(""));
        let value: Value = self.request("reap", cmd).await?;
        let dead = parse_reaped(value)?;
        if only.is_none() {
            self.nodes_reaped.fetch_add(dead.nodes.len() as u64, Relaxed);
        }
        Ok(dead)
    }

    pub(super) async fn heartbeat(&self) -> Result<Beat, ServerError> {
        let mut cmd = self.eval(scripts::HEARTBEAT);
        cmd.arg(&self.node).arg(&self.incarnation).arg(self.ttl.as_millis() as u64).arg(uuid::Uuid::new_v4().simple().to_string());
        let (previous, epoch): (String, String) = self.request("heartbeat", cmd).await?;
        Ok(Beat { previous, epoch })
    }

    pub(super) async fn reassert(&self, holders: Vec<Held>) -> Result<Reasserted, ServerError> {
        let mut out = Reasserted::default();
        let mine: Vec<Held> = holders.into_iter().filter(|h| h.holder.node == self.node && check_holder(&h.holder).is_ok()).collect();
        let keep: HashSet<(&str, &str)> = mine.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        for chunk in mine.chunks(REASSERT_BATCH) {
            let mut pipe = redis::pipe();
            for h in chunk {
                pipe.add_command(self.claim_cmd(&h.room, &h.name_key, &h.holder));
            }
            let codes: Vec<i64> = self.pipeline("reassert", pipe).await?;
            for (h, code) in chunk.iter().zip(codes) {
                match claim_answer(code) {
                    Claim::Granted { .. } => out.granted += 1,
                    Claim::Taken => out.taken.push(h.clone()),
                }
            }
        }
        // This node's registered holders that are not live any more.
        let mut index = redis::cmd("HGETALL");
        index.arg(scripts::node_holders_key(&self.prefix, &self.node));
        let registered: Vec<(String, String)> = self.request("reassert", index).await?;
        let stale: Vec<(String, String, String)> = registered
            .into_iter()
            .filter_map(|(field, name_key)| {
                let (sid, room) = field.split_once('\n')?;
                (!keep.contains(&(sid, room))).then(|| (sid.to_owned(), room.to_owned(), name_key))
            })
            .collect();
        for chunk in stale.chunks(REASSERT_BATCH) {
            let mut pipe = redis::pipe();
            for (sid, room, name_key) in chunk {
                pipe.add_command(self.release_cmd(room, name_key, &self.node, sid));
            }
            let answers: Vec<(i64, String)> = self.pipeline("reassert", pipe).await?;
            for ((_, room, name_key), (last, name)) in chunk.iter().zip(answers) {
                if last == 1 && !name.is_empty() {
                    out.released.add(room.clone(), GoneName { name_key: name_key.clone(), name });
                }
            }
        }
        self.reasserts.fetch_add(1, Relaxed);
        Ok(out)
    }

    /// One heartbeat; true when this node's holders must be registered again.
    pub(super) async fn beat(&self) -> Result<bool, ServerError> {
        let beat = self.heartbeat().await?;
        let mut lost = false;
        {
            let mut epoch = lock(&self.epoch);
            if *epoch != beat.epoch {
                if !epoch.is_empty() {
                    self.data_losses.fetch_add(1, Relaxed);
                    tracing::warn!("Redis lost its data (a restart without persistence?): registering this node's members again");
                }
                *epoch = beat.epoch;
                lost = true;
            }
        }
        if beat.previous != self.incarnation {
            if beat.previous.is_empty() || beat.previous == "lost" {
                if !lost {
                    tracing::warn!(node = %self.node, "this node's liveness key had expired (taken for dead?): registering its members again");
                }
            } else {
                tracing::error!(node = %self.node, "another live process uses this cluster node id: node ids must be unique");
            }
            lost = true;
        }
        Ok(lost)
    }

    /// Registers the live holders again and corrects for what changed while it ran.
    pub(super) async fn resync(&self, events: &dyn PresenceEvents) -> Result<(), ServerError> {
        let first = events.live_holders();
        let mut outcome = self.reassert(first.clone()).await?;
        // Sockets that joined or left while the first list was registered.
        let second = events.live_holders();
        let before: HashSet<(&str, &str)> = first.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        let now: HashSet<(&str, &str)> = second.iter().map(|h| (h.holder.sid.as_str(), h.room.as_str())).collect();
        for h in second.iter().filter(|h| h.holder.node == self.node && !before.contains(&(h.holder.sid.as_str(), h.room.as_str()))) {
            match self.claim(&h.room, &h.name_key, &h.holder).await? {
                Claim::Granted { .. } => outcome.granted += 1,
                Claim::Taken => outcome.taken.push(h.clone()),
            }
        }
        for h in first.iter().filter(|h| h.holder.node == self.node && !now.contains(&(h.holder.sid.as_str(), h.room.as_str()))) {
            let (released, name) = self.release(&h.room, &h.name_key, &self.node, &h.holder.sid).await?;
            if released == Released::Last && !name.is_empty() {
                outcome.released.add(h.room.clone(), GoneName { name_key: h.name_key.clone(), name });
            }
        }
        if !outcome.taken.is_empty() {
            tracing::warn!(names = outcome.taken.len(), "names held here were taken on another node while Redis had lost them");
        }
        events.reasserted(outcome);
        Ok(())
    }
}

/// The node's task: heartbeats, reaping, registering again.
pub(super) async fn run(inner: Arc<Inner>, events: Arc<dyn PresenceEvents>) {
    if let Some(leftovers) = lock(&inner.leftovers).take() {
        if !leftovers.is_empty() {
            events.dead(leftovers);
        }
    }
    let mut beat_every = tokio::time::interval(inner.ttl / 3);
    let mut reap_every = tokio::time::interval(inner.ttl / 2);
    beat_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    reap_every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = beat_every.tick() => {
                let lost = match inner.beat().await {
                    Ok(lost) => lost,
                    Err(_) => continue,
                };
                if lost || inner.needs_reassert.swap(false, Relaxed) {
                    if let Err(e) = inner.resync(events.as_ref()).await {
                        tracing::warn!(error = %e, "registering this node's members again failed: next heartbeat retries");
                        inner.needs_reassert.store(true, Relaxed);
                    }
                }
            }
            _ = reap_every.tick() => {
                match inner.reap(None).await {
                    Ok(dead) if !dead.nodes.is_empty() => {
                        tracing::warn!(nodes = ?dead.nodes, "cluster nodes stopped heartbeating: their members removed");
                        events.dead(dead);
                    }
                    Ok(_) | Err(_) => continue,
                }
            }
        }
    }
}

pub(super) fn check_holder(h: &Holder) -> Result<(), ServerError> {
    if !scripts::valid_node_id(&h.node) || !scripts::valid_sid(&h.sid) {
        return Err(ServerError::Cluster(format!("bad holder: node {:?}, sid {:?}", h.node, h.sid)));
    }
    Ok(())
}

/// Reconnects quickly and gives up soon (the next request tries again).
pub(super) fn manager_config() -> ConnectionManagerConfig {
    ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_millis(500))
        .set_exponent_base(2.0)
        .set_number_of_retries(2)
        .set_connection_timeout(Some(Duration::from_millis(500)))
        .set_response_timeout(Some(REQUEST_TIMEOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(key: &str, name: &str, sid: &str, joined: u64) -> RemoteMember {
        RemoteMember { name_key: key.into(), name: name.into(), sid: sid.into(), node: "n1".into(), account: None, classic: true, joined }
    }

    #[test]
    fn room_data_lists_each_name_once_with_its_first_holder() {
        let members = vec![member("ann", "Ann", "s1", 1), member("bob", "bob", "s2", 2), member("ann", "Ann", "s3", 3)];
        let users = room_users("lobby", &members);
        let got: Vec<(&str, &str, &str)> = users.iter().map(|u| (u.id.as_str(), u.username.as_str(), u.room.as_str())).collect();
        assert_eq!(got, [("s1", "Ann", "lobby"), ("s2", "bob", "lobby")]);
        assert_eq!(usernames(&members), ["Ann", "bob"]);
    }

    #[test]
    fn stored_holders_come_back_in_join_order() {
        let json = vec![
            r#"{"k":"bob","n":"Bob","a":"7","c":"0","j":"12","node":"n2","sid":"s2"}"#.to_owned(),
            r#"{"k":"ann","n":"Ann","a":"","c":"1","j":"3","node":"n1","sid":"s1"}"#.to_owned(),
            r#"{"broken":true}"#.to_owned(),
        ];
        let members = parse_members(&json);
        assert_eq!(members.len(), 2);
        assert_eq!((members[0].name.as_str(), members[0].account, members[0].classic, members[0].joined), ("Ann", None, true, 3));
        assert_eq!(
            (members[1].name.as_str(), members[1].account, members[1].classic, members[1].node.as_str()),
            ("Bob", Some(7), false, "n2")
        );
    }

    #[test]
    fn reap_answers_group_names_by_room() {
        let value = Value::Array(vec![
            Value::Array(vec![Value::BulkString(b"n2".to_vec())]),
            Value::Array(vec![
                Value::Array(vec![
                    Value::BulkString(b"lobby".to_vec()),
                    Value::BulkString(b"ann".to_vec()),
                    Value::BulkString(b"Ann".to_vec()),
                ]),
                Value::Array(vec![
                    Value::BulkString(b"lobby".to_vec()),
                    Value::BulkString(b"bob".to_vec()),
                    Value::BulkString(b"Bob".to_vec()),
                ]),
            ]),
        ]);
        let dead = parse_reaped(value).unwrap();
        assert_eq!(dead.nodes, ["n2"]);
        assert_eq!(dead.rooms["lobby"].iter().map(|g| g.name.as_str()).collect::<Vec<_>>(), ["Ann", "Bob"]);
        let empty = parse_reaped(Value::Array(vec![Value::Array(vec![]), Value::Array(vec![])])).unwrap();
        assert!(empty.is_empty() && empty.nodes.is_empty());
    }

    #[test]
    fn claim_codes() {
        assert_eq!(claim_answer(2), Claim::Granted { first: true });
        assert_eq!(claim_answer(1), Claim::Granted { first: false });
        assert_eq!(claim_answer(0), Claim::Taken);
    }

    #[test]
    fn standalone_answers_without_redis() {
        let p = Presence::standalone();
        let h = p.holder("s1", "ann", None, true);
        assert_eq!(p.claim("lobby", "ann", &h).unwrap(), Claim::Granted { first: true });
        assert_eq!(p.release("lobby", "ann", "", "s1").unwrap(), Released::Last);
        assert!(p.members("lobby").unwrap().is_empty());
        assert_eq!(p.state().mode, "standalone");
        assert!(!p.is_cluster());
    }
}
