//! Several banter-server nodes behind one address: what they share to act as one server.
//! `driver`: the Redis pub/sub driver under socketioxide's Redis adapter (cross-node
//! broadcasts), and its standalone twin for a single node. `control`: acts of the server
//! on sockets (kicks, DMs opened, sessions ended) run by every node on its own sockets.

pub mod attempts;
pub mod control;
pub mod driver;
pub mod presence;
