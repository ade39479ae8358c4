//! Shared set-up for the integration tests: a test server and a client
//! that trusts it by its pinned fingerprint.

#![allow(dead_code)]

use std::time::Duration;

use ringside_elastix::testserver::{TestServer, TestServerOptions};
use ringside_elastix::{ElastixClient, ElastixConfig, Secret, TlsTrust};

/// A server with the API document's examples.
pub async fn seed_server() -> TestServer {
    TestServer::start(TestServerOptions::default())
        .await
        .expect("test server starts")
}

/// A client for `server` with `trust` and `token`, short timeout.
pub fn client_with(server: &TestServer, trust: TlsTrust, token: &str) -> ElastixClient {
    ElastixClient::new(
        ElastixConfig::new(server.base_url(), Secret::new(token), trust)
            .with_timeout(Duration::from_secs(5)),
    )
    .expect("valid client settings")
}

/// A client that pins `server`'s certificate and knows its token.
pub fn pinned_client(server: &TestServer) -> ElastixClient {
    client_with(server, server.pinned_trust(), &server.token())
}

/// A fixture file from `tests/fixtures/elastix`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/elastix")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {} is readable: {e}", path.display()))
}
