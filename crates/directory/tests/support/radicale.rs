//! A real Radicale (PyPI, installed by scripts/setup-debian.sh) for the
//! CardDAV tests and bench: started on a free loopback port with htpasswd
//! sign-in and its storage in a temp dir, filled with generated vCards
//! written straight into that storage before it starts (much faster than
//! 5,000 PUTs), and stopped when dropped. Edits while it runs go through
//! its HTTP interface, as a phone or another client would make them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const USER: &str = "anna";
pub const PASSWORD: &str = "s3cret pass";
pub const BOOK: &str = "office";
pub const BOOK_NAME: &str = "Office contacts";

/// Where Radicale is: `RINGSIDE_RADICALE`, else where the setup script puts it.
pub fn radicale_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("RINGSIDE_RADICALE") {
        return PathBuf::from(p);
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_default();
    cache.join("ringside/radicale-3.9.0/bin/radicale")
}

/// One running Radicale; stopped on drop.
pub struct Radicale {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

/// The vCard of generated person `i`: two numbers, company, title.
pub fn person(i: usize) -> String {
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:person-{i}\r\nFN:Person {i}\r\nN:{i};Person;;;\r\n\
         ORG:Company {};Sales\r\nTITLE:Buyer\r\nTEL;TYPE=CELL:+49 170 {i:07}\r\n\
         TEL;TYPE=WORK:030 1{i:06}\r\nEMAIL:person{i}@example.com\r\nEND:VCARD\r\n",
        i % 97
    )
}

/// The href of generated person `i` in the book.
pub fn href(i: usize) -> String {
    format!("/{USER}/{BOOK}/person-{i}.vcf")
}

impl Radicale {
    /// Starts Radicale with `count` generated people plus `extra` cards
    /// (file name, text) in the address book.
    pub fn start(count: usize, extra: &[(&str, &str)]) -> Radicale {
        let bin = radicale_binary();
        assert!(
            bin.exists(),
            "Radicale is not installed at {}: run scripts/setup-debian.sh (it puts Radicale in a \
             virtualenv under ~/.cache/ringside), or point RINGSIDE_RADICALE at its `radicale` program",
            bin.display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let book = dir
            .path()
            .join("collections/collection-root")
            .join(USER)
            .join(BOOK);
        std::fs::create_dir_all(&book).expect("book dir");
        std::fs::write(
            book.join(".Radicale.props"),
            format!(r#"{{"D:displayname": "{BOOK_NAME}", "tag": "VADDRESSBOOK"}}"#),
        )
        .expect("props");
        for i in 0..count {
            std::fs::write(book.join(format!("person-{i}.vcf")), person(i)).expect("card");
        }
        for (name, text) in extra {
            std::fs::write(book.join(name), text).expect("extra card");
        }
        std::fs::write(dir.path().join("users"), format!("{USER}:{PASSWORD}\n")).expect("htpasswd");
        let port = free_port();
        let config = dir.path().join("config");
        std::fs::write(&config, config_text(dir.path(), port)).expect("config");
        let child = Command::new(&bin)
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.path().join("radicale.log")).expect("log"),
            ))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let mut radicale = Radicale { child, port, dir };
        radicale.wait_until_up();
        radicale
    }

    /// The server's base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    fn wait_until_up(&mut self) {
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("Radicale exited at start ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("Radicale did not listen within 30 s: {}", self.log());
    }

    /// Radicale's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("radicale.log")).unwrap_or_default()
    }

    /// `PUT` a card at `href`; panics unless the server stored it.
    pub fn put(&self, href: &str, card: &str) {
        let status = self.request("PUT", href, card);
        assert!(
            status == 201 || status == 204,
            "PUT {href} answered {status}: {}",
            self.log()
        );
    }

    /// `DELETE` the card at `href`; panics unless it went.
    pub fn delete(&self, href: &str) {
        let status = self.request("DELETE", href, "");
        assert!(
            status == 200 || status == 204,
            "DELETE {href} answered {status}"
        );
    }

    /// Has Radicale read every card once (its first read parses each
    /// file and fills its own cache); returns how long that took.
    pub fn warm(&self) -> Duration {
        let started = Instant::now();
        let body = r#"<?xml version="1.0"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/><c:address-data/></d:prop></d:sync-collection>"#;
        let status = self.request("REPORT", &format!("/{USER}/{BOOK}/"), body);
        assert_eq!(status, 207, "the warming REPORT: {}", self.log());
        started.elapsed()
    }

    /// One HTTP/1.1 request, signed in; returns the status code.
    fn request(&self, method: &str, path: &str, body: &str) -> u16 {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let auth = basic(&format!("{USER}:{PASSWORD}"));
        let req = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n\
             Content-Type: text/vcard; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut answer = String::new();
        s.read_to_string(&mut answer).expect("read");
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn config_text(dir: &Path, port: u16) -> String {
    format!(
        "[server]\nhosts = 127.0.0.1:{port}\n\n[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n\
         htpasswd_encryption = plain\ndelay = 0\n\n[storage]\nfilesystem_folder = {store}\n\n\
         [rights]\ntype = owner_only\n\n[web]\ntype = none\n\n[logging]\nlevel = warning\n",
        users = dir.join("users").display(),
        store = dir.join("collections").display(),
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Base64 for the test's own Basic credentials.
fn basic(text: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in text.as_bytes().chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            out.push(if i <= c.len() {
                char::from(A[(n >> (18 - 6 * i)) as usize & 63])
            } else {
                '='
            });
        }
    }
    out
}
