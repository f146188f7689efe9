//! Several banter-server nodes behind one address: what they share to act as one server.
//! `driver`: the Redis pub/sub driver under socketioxide's Redis adapter (cross-node
//! broadcasts), and its standalone twin for a single node.

pub mod driver;
pub mod presence;
