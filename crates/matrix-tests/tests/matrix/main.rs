//! The fault and abuse matrix of issue 6, over the whole chain (AMI client,
//! `live::follow` glue, call tracker, history store) against the simulated
//! PBX on real loopback TCP. One module per row group; every test says what
//! the user must see and fails if a guarantee breaks. Memory-bound rows live
//! in the `memory` test binary, so that parallel tests here do not disturb
//! its RSS readings.
//!
//! Rows covered elsewhere, not duplicated here:
//! - crash safety of history (kill -9 during a burst): `crates/store/tests`
//!   (the store engineer's kill -9 test);
//! - TLS expired / wrong-host / unknown-CA / wrong pin / TLS against a plain
//!   port, each with its message: `crates/ami/tests/client_tls.rs`. Here: a
//!   pinned certificate that *changes* between sessions, and proof at the
//!   PBX that a TLS setting never sends a plain-text login;
//! - the CRM URL template and secrets-in-files rows belong to the app
//!   (`src-tauri`), see the closing note of issue 6.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod fuzz_regressions;
mod half_open;
mod hostile_names;
mod injection;
mod restart;
mod stream_faults;
mod tls;
