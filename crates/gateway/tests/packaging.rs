//! The shipped samples in `packaging/gateway/` stay true: the sample
//! configuration is one the gateway accepts, and the shipped ACL is the one
//! `ringside-gateway --print-acl` writes for it.

use std::path::Path;

use ringside_gateway::GatewayConfig;

#[test]
fn the_sample_configuration_loads_and_the_shipped_acl_is_its_own() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/gateway");
    let config = GatewayConfig::load(&dir.join("gateway.toml")).expect("the sample is valid");
    assert_eq!(config.desks.len(), 2, "the sample's two desks");
    let shipped = std::fs::read_to_string(dir.join("ringside.acl")).expect("ringside.acl");
    assert_eq!(
        shipped,
        config.mosquitto_acl(),
        "regenerate packaging/gateway/ringside.acl with --print-acl"
    );
}
