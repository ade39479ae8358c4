//! Turning an API answer's bytes into a typed value or into the error that
//! says what the bytes really were: the API's own `{"status", "code"}`
//! answer, a web page, JSON cut off in the middle, or JSON of the wrong shape.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::error::{Error, Result};

/// What the pure parse functions say instead of a host, having none.
pub(crate) const NO_HOST: &str = "(no host)";

/// The API's status answer: `{"status": "File not found", "code": 404}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ApiStatus {
    #[serde(default, deserialize_with = "crate::loose::text")]
    pub status: String,
    #[serde(deserialize_with = "crate::loose::count")]
    pub code: u32,
}

/// Reads the API's status answer, if the body is one.
pub(crate) fn api_status(body: &[u8]) -> Option<ApiStatus> {
    let t = trim_start(body);
    if t.first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(t).ok()
}

fn trim_start(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

/// True when the body is a web page rather than data.
pub(crate) fn looks_like_html(body: &[u8]) -> bool {
    trim_start(body).first() == Some(&b'<')
}

/// The `<title>` of a web page, or its first characters.
pub(crate) fn page_title(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>")) {
        if a + 7 <= b {
            let t = text[a + 7..b].trim();
            if !t.is_empty() {
                return format!("\"{t}\"");
            }
        }
    }
    let first: String = text.chars().filter(|c| !c.is_control()).take(60).collect();
    format!("starting {first:?}")
}

/// Maps the API's status answer to an error, for commands that answer with
/// data when they succeed.
pub(crate) fn status_error(command: &str, host_port: &str, st: ApiStatus) -> Error {
    match st.code {
        401 | 403 => Error::BadToken {
            host_port: host_port.to_owned(),
        },
        code => Error::Http {
            host_port: host_port.to_owned(),
            command: command.to_owned(),
            status: u16::try_from(code).unwrap_or(u16::MAX),
            detail: (!st.status.is_empty()).then_some(st.status),
        },
    }
}

/// Decodes `body` as `T`, or says precisely what it was instead.
pub(crate) fn decode_json<T: DeserializeOwned>(
    command: &str,
    host_port: &str,
    body: &[u8],
) -> Result<T> {
    if looks_like_html(body) {
        return Err(Error::NotJson {
            host_port: host_port.to_owned(),
            command: command.to_owned(),
            title: page_title(body),
        });
    }
    match serde_json::from_slice::<T>(body) {
        Ok(v) => Ok(v),
        Err(e) => {
            // A data command answering with the API's status object is the
            // API refusing, not a format problem.
            if let Some(st) = api_status(body) {
                return Err(status_error(command, host_port, st));
            }
            Err(match e.classify() {
                serde_json::error::Category::Eof => Error::Truncated {
                    command: command.to_owned(),
                    detail: format!("it ends at line {}, column {}", e.line(), e.column()),
                },
                serde_json::error::Category::Syntax if trim_start(body).is_empty() => {
                    Error::Truncated {
                        command: command.to_owned(),
                        detail: "the answer was empty".into(),
                    }
                }
                serde_json::error::Category::Syntax => Error::UnexpectedResponse {
                    command: command.to_owned(),
                    detail: format!("not valid JSON: {e}"),
                },
                _ => Error::UnexpectedResponse {
                    command: command.to_owned(),
                    detail: match key_near(body, e.line(), e.column()) {
                        Some(key) => format!("field \"{key}\": {e}"),
                        None => e.to_string(),
                    },
                },
            })
        }
    }
}

/// The JSON key whose value ends at `line`:`column` (1-based, as serde_json
/// reports errors), so a format error can name the field.
fn key_near(body: &[u8], line: usize, column: usize) -> Option<String> {
    let text = body.split(|&b| b == b'\n').nth(line.checked_sub(1)?)?;
    let upto = &text[..column.min(text.len())];
    // The last `"key":` before the error position; values with `":` inside
    // could mislead this, which only costs a less precise message.
    let colon = upto.windows(2).rposition(|w| w == b"\":")?;
    let open = upto[..colon].iter().rposition(|&b| b == b'"')?;
    let key = std::str::from_utf8(&upto[open + 1..colon]).ok()?;
    (!key.is_empty() && key.len() <= 64).then(|| key.to_owned())
}
