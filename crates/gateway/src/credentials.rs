//! The gateway's two secrets: the AMI secret and the broker password.
//!
//! They come from a credentials file (TOML, `ami_secret = "…"`,
//! `broker_password = "…"`) that only its owner may read (mode 0600: refused
//! otherwise), or from the environment (`RINGSIDE_AMI_SECRET`,
//! `RINGSIDE_BROKER_PASSWORD`, as a systemd `LoadCredential=` or
//! `EnvironmentFile=` sets them). Never from the command line, where any
//! user on the machine can read them in the process list. The environment
//! wins over the file, so a deployment can override one secret.

use std::path::Path;

use ringside_ami::Secret;
use serde::Deserialize;

use crate::error::ConfigError;

/// The AMI secret's environment variable.
pub const AMI_SECRET_ENV: &str = "RINGSIDE_AMI_SECRET";
/// The broker password's environment variable.
pub const BROKER_PASSWORD_ENV: &str = "RINGSIDE_BROKER_PASSWORD";

/// Both secrets, never printed (`Secret`'s `Debug` is redacted).
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The AMI user's secret.
    pub ami_secret: Secret,
    /// The gateway's broker password.
    pub broker_password: Secret,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCredentials {
    ami_secret: Option<String>,
    broker_password: Option<String>,
}

impl Credentials {
    /// Reads the secrets from `file` (when given) and the environment
    /// (`env` looks a variable up: `std::env::var(..).ok()` in the binary).
    pub fn load(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let from_file = match file {
            Some(path) => read_private(path)?,
            None => RawCredentials {
                ami_secret: None,
                broker_password: None,
            },
        };
        let pick = |env_name: &str, file_value: Option<String>| {
            env(env_name)
                .filter(|v| !v.is_empty())
                .or(file_value.filter(|v| !v.is_empty()))
        };
        let ami = pick(AMI_SECRET_ENV, from_file.ami_secret).ok_or(ConfigError::MissingSecret {
            what: "AMI secret",
            key: "ami_secret",
            env: AMI_SECRET_ENV,
        })?;
        let broker = pick(BROKER_PASSWORD_ENV, from_file.broker_password).ok_or(
            ConfigError::MissingSecret {
                what: "broker password",
                key: "broker_password",
                env: BROKER_PASSWORD_ENV,
            },
        )?;
        Ok(Self {
            ami_secret: Secret::new(ami),
            broker_password: Secret::new(broker),
        })
    }
}

/// Reads the credentials file, refusing one that others may read.
fn read_private(path: &Path) -> Result<RawCredentials, ConfigError> {
    let read_err = |source| ConfigError::Read {
        path: path.into(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    check_private(path, &meta)?;
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    // Neither the parser's quote of a line nor its column: both would show
    // a secret.
    toml::from_str(&text).map_err(|e| ConfigError::Syntax {
        path: path.into(),
        reason: format!(
            "{} (the file holds only ami_secret = \"…\" and broker_password = \"…\")",
            e.message().trim()
        ),
    })
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(ConfigError::CredentialsOpen {
            path: path.into(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), ConfigError> {
    // Windows has no mode bits; the file's ACL is the installer's to set.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A credentials file holding `text`; on Unix with `mode` (Windows has
    /// no mode bits, so there it is only written).
    fn file_with(mode: u32, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gateway.credentials");
        std::fs::write(&path, text).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        }
        #[cfg(not(unix))]
        let _ = mode;
        (dir, path)
    }

    const BOTH: &str = "ami_secret = \"ami-s3cret\"\nbroker_password = \"mqtt-s3cret\"\n";

    #[test]
    fn a_private_file_gives_both_secrets_and_the_environment_wins() {
        let (_d, path) = file_with(0o600, BOTH);
        let c = Credentials::load(Some(&path), |_| None).expect("0600 is private");
        assert_eq!(c.ami_secret.expose(), "ami-s3cret");
        assert_eq!(c.broker_password.expose(), "mqtt-s3cret");
        let c = Credentials::load(Some(&path), |k| {
            (k == AMI_SECRET_ENV).then(|| "from-env".to_owned())
        })
        .expect("env");
        assert_eq!(c.ami_secret.expose(), "from-env");
        assert!(!format!("{c:?}").contains("s3cret"), "never printed");
    }

    #[test]
    #[cfg_attr(
        not(unix),
        ignore = "checks Unix mode bits (chmod 600); Windows has none, the file's ACL is the installer's to set"
    )]
    fn a_file_others_can_read_is_refused_in_words() {
        for mode in [0o644, 0o640, 0o604] {
            let (_d, path) = file_with(mode, BOTH);
            let e = Credentials::load(Some(&path), |_| None).expect_err("readable by others");
            assert_eq!(e.code(), "credentials_open");
            assert!(e.to_string().contains("chmod 600"), "{e}");
        }
    }

    #[test]
    fn a_missing_or_unknown_secret_is_refused_in_words() {
        let (_d, path) = file_with(0o600, "ami_secret = \"x\"\n");
        let e = Credentials::load(Some(&path), |_| None).expect_err("no broker password");
        assert!(e.to_string().contains(BROKER_PASSWORD_ENV), "{e}");
        let e = Credentials::load(None, |_| None).expect_err("nothing at all");
        assert!(e.to_string().contains(AMI_SECRET_ENV), "{e}");
        let (_d, path) = file_with(0o600, "ami_secret = \"s3cret\"\npassword = \"s3cret\"\n");
        let e = Credentials::load(Some(&path), |_| None).expect_err("unknown key");
        assert!(
            !e.to_string().contains("s3cret"),
            "no secret in the error: {e}"
        );
    }
}
