//! How a session reaches the PBX's AMI port.

/// Plain TCP or TLS (with an optional pinned certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transport {
    /// Plain TCP (AMI's usual port 5038).
    Plain,
    /// TLS, trusting the system's CAs, or only the certificate with this
    /// SHA-256 fingerprint when one is pinned.
    Tls {
        /// The pinned fingerprint, if any.
        pin: Option<String>,
    },
}

impl Transport {
    /// From the settings' `tls` switch and pinned fingerprint; a blank pin
    /// counts as none.
    pub fn from_settings(tls: bool, pin: Option<&str>) -> Self {
        if !tls {
            return Self::Plain;
        }
        Self::Tls {
            pin: pin
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        }
    }
}
