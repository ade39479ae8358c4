//! Names of call recordings on the PBX ([`RecordingName`]), as `getwavfile`
//! takes them: `/YYYY/MM/DD/<recordingfile>`, relative to the PBX's
//! recording folder (`/var/spool/asterisk/monitor`). The name travels to a
//! PHP script that opens a file with it, so anything that could step out of
//! that folder is refused here, before a byte is sent.

use std::fmt;

use crate::error::{Error, Result};
use crate::time::PbxDateTime;

/// A checked recording name, `/2015/12/08/out-…-1449563089.106.wav`.
///
/// ```
/// use ringside_elastix::RecordingName;
/// let n = RecordingName::for_call(
///     &"2015-12-08 10:24:49".parse()?,
///     "out-05333333333-101-20151208-102449-1449563089.106.wav",
/// )?;
/// assert_eq!(n.as_str(), "/2015/12/08/out-05333333333-101-20151208-102449-1449563089.106.wav");
/// assert!(RecordingName::parse("/2015/12/08/../../../../etc/passwd").is_err());
/// # Ok::<(), ringside_elastix::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RecordingName(String);

impl RecordingName {
    /// The name of the recording a CDR row points to: its `calldate`'s day
    /// folder and its `recordingfile`.
    pub fn for_call(calldate: &PbxDateTime, recordingfile: &str) -> Result<Self> {
        check_file(recordingfile, recordingfile)?;
        Ok(Self(format!(
            "/{}/{}",
            calldate.recording_folder(),
            recordingfile
        )))
    }

    /// Checks a full name (`/2015/12/08/file.wav`) made elsewhere: a leading
    /// `/`, plain folder and file names, no `..`, `\`, NUL or control characters.
    pub fn parse(name: &str) -> Result<Self> {
        let Some(rest) = name.strip_prefix('/') else {
            return Err(unsafe_name(
                name,
                "it must start with / (as in /2015/12/08/file.wav)",
            ));
        };
        let parts: Vec<&str> = rest.split('/').collect();
        for part in &parts {
            check_file(name, part)?;
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as sent in the `name` parameter.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The file name alone (after the last `/`), for saving it locally.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }
}

fn unsafe_name(name: &str, reason: &'static str) -> Error {
    Error::UnsafeRecordingName {
        name: name.to_owned(),
        reason,
    }
}

/// Checks one path component.
fn check_file(whole: &str, part: &str) -> Result<()> {
    if part.is_empty() {
        return Err(unsafe_name(whole, "it has an empty file or folder name"));
    }
    if part == "." || part == ".." {
        return Err(unsafe_name(
            whole,
            "it steps out of the recording folder (. or ..)",
        ));
    }
    if part.contains('\0') {
        return Err(unsafe_name(whole, "it contains a NUL character"));
    }
    if part.contains('/') {
        return Err(unsafe_name(whole, "a recording file name cannot contain /"));
    }
    if part.contains('\\') {
        return Err(unsafe_name(whole, "it contains a backslash"));
    }
    if part.chars().any(char::is_control) {
        return Err(unsafe_name(whole, "it contains a control character"));
    }
    if part.len() > 255 {
        return Err(unsafe_name(whole, "a file name is at most 255 bytes"));
    }
    Ok(())
}

impl fmt::Display for RecordingName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RecordingName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordingName({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_tricks_are_refused_before_anything_is_sent() {
        let day: PbxDateTime = "2015-12-08 10:24:49".parse().expect("valid");
        for bad in [
            "..",
            ".",
            "",
            "a/../../etc/passwd",
            "x.wav\0.txt",
            "..\\..\\boot.ini",
            "x\n.wav",
        ] {
            let err = RecordingName::for_call(&day, bad)
                .expect_err("a tricky recordingfile must be refused");
            assert_eq!(
                err.code(),
                "invalid_input",
                "{bad:?} must be refused as bad input, got {err}"
            );
        }
        for bad in [
            "2015/12/08/x.wav",
            "/2015/../x.wav",
            "//x.wav",
            "/2015/12/08/",
            "/2015/12/08/x\0.wav",
        ] {
            assert!(
                RecordingName::parse(bad).is_err(),
                "{bad:?} must be refused"
            );
        }
        let ok = RecordingName::parse("/2015/12/08/exten-101-1449322009.66.wav")
            .expect("a plain name passes");
        assert_eq!(
            ok.file_name(),
            "exten-101-1449322009.66.wav",
            "the local file name is the last part"
        );
    }
}
