mod async_client;
mod builder;
pub use async_client::Client;
pub use builder::ClientBuilder;
