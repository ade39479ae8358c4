//! The app's command line: `--demo`, or `--pbx host:port` with the login
//! for scripted runs and tests. Anything given here overrides the saved
//! settings for this run only and is never written back.

use std::path::PathBuf;

use clap::Parser;

/// `ringside-app [--demo | --pbx HOST:PORT --user USER --extension EXT ...]`
#[derive(Debug, Clone, Default, Parser)]
#[command(
    name = "ringside-app",
    version,
    about = "Ringside: caller popups, click-to-dial and transfers for Asterisk desk phones"
)]
pub struct Args {
    /// Start the built-in demo PBX and connect to it, whatever the settings say.
    #[arg(long, conflicts_with = "pbx")]
    pub demo: bool,

    /// Connect to this PBX (`host:port`) instead of the saved one.
    #[arg(long, value_name = "HOST:PORT")]
    pub pbx: Option<String>,

    /// AMI user for `--pbx`.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// My extension (repeat for several); overrides the saved ones.
    #[arg(long = "extension", value_name = "EXT")]
    pub extensions: Vec<String>,

    /// Name of the environment variable holding the AMI secret (default
    /// `RINGSIDE_AMI_SECRET`); without one the OS keyring is asked.
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,

    /// Use TLS for `--pbx`.
    #[arg(long)]
    pub tls: bool,

    /// Keep the call history database and logs here instead of the platform data dir.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// `tel:` / `sip:` links handed over by the desktop (deep links).
    #[arg(value_name = "URL", hide = true)]
    pub urls: Vec<String>,
}

/// Splits `host:port` (`[v6]:port` too) as the CLI does
/// ([`ringside_config::parse_pbx_address`]); the app's `--pbx` needs the port.
pub fn parse_host_port(s: &str) -> Result<(String, u16), String> {
    ringside_config::parse_pbx_address(s, None)
        .map_err(|e| format!("--pbx expects HOST:PORT, such as pbx.local:5038: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbx_option_parses_host_and_port() {
        assert_eq!(
            parse_host_port("127.0.0.1:5038").unwrap(),
            ("127.0.0.1".into(), 5038)
        );
        assert_eq!(parse_host_port("[::1]:7777").unwrap(), ("::1".into(), 7777));
        assert!(parse_host_port("pbx.local").is_err(), "a port is required");
        assert!(parse_host_port("pbx.local:0").is_err());
    }

    #[test]
    fn scripted_run_arguments() {
        let a = Args::try_parse_from([
            "ringside-app",
            "--pbx",
            "127.0.0.1:40000",
            "--user",
            "ringside",
            "--extension",
            "1001",
            "--secret-env",
            "S",
            "--data-dir",
            "/tmp/x",
        ])
        .unwrap();
        assert_eq!(a.pbx.as_deref(), Some("127.0.0.1:40000"));
        assert_eq!(a.extensions, ["1001"]);
        assert!(
            Args::try_parse_from(["ringside-app", "--demo", "--pbx", "h:1"]).is_err(),
            "demo or a PBX, not both"
        );
    }
}
