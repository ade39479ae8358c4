//! Test support shared by the integration tests (each test file uses only
//! part of it).
#[allow(dead_code)]
pub mod feed;
#[allow(dead_code)]
pub mod ground_truth;
#[allow(dead_code)]
pub mod listing_pbx;
#[allow(dead_code)]
pub mod pbx;
