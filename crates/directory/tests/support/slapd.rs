//! A real OpenLDAP `slapd` (Debian's package) for the LDAP tests and bench:
//! started as the current user on a free loopback port, its config and
//! database in a temp dir, loaded offline with `slapadd` from an LDIF of
//! generated people with AD-like attributes and photos.
//!
//! slapd runs under a small `sh` that kills it when the test process's end
//! of its stdin closes, so no server outlives the tests, even a shared one
//! kept in a `static`.

#![allow(dead_code)] // each test file and the bench use a different part

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The directory's suffix and where the people are.
pub const SUFFIX: &str = "dc=example,dc=com";
pub const PEOPLE: &str = "ou=People,dc=example,dc=com";
/// A user that may sign in and read, and its password.
pub const READER_DN: &str = "cn=reader,dc=example,dc=com";
pub const READER_PASSWORD: &str = "s3cret-reader";

/// People the tests look for by name, besides the generated ones.
pub const ANNA_NUMBER: &str = "030 1234567";
pub const ANNA_PHOTO_LEN: usize = 600;
pub const HOSTILE_NUMBER: &str = "+49 89 555 0101";
pub const HOSTILE_NAME: &str = "<script>alert(1)</script>\r\nEvil";

const SLAPD: &str = "/usr/sbin/slapd";
const SLAPADD: &str = "/usr/sbin/slapadd";

/// Whether Debian's slapd is installed (scripts/setup-debian.sh does it).
pub fn available() -> bool {
    Path::new(SLAPD).exists() && Path::new(SLAPADD).exists()
}

/// A running slapd.
#[derive(Debug)]
pub struct Slapd {
    dir: tempfile::TempDir,
    /// The plain LDAP port (StartTLS too).
    pub port: u16,
    /// The `ldaps://` port, when the server has a certificate.
    pub tls_port: Option<u16>,
    /// The server certificate's DER, when it has one.
    pub cert_der: Option<Vec<u8>>,
    guard: Option<Child>,
}

impl Slapd {
    /// A server loaded with `people` generated people (plus the named
    /// ones), with TLS on a second port when `tls`.
    pub fn start(people: usize, tls: bool) -> Slapd {
        assert!(
            available(),
            "slapd is not installed: run scripts/setup-debian.sh"
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let cert_der = tls.then(|| write_certificate(dir.path()));
        let mut slapd = Slapd {
            port: free_port(),
            tls_port: tls.then(free_port),
            cert_der,
            guard: None,
            dir,
        };
        slapd.write_config(tls);
        std::fs::create_dir_all(slapd.dir.path().join("db")).expect("db dir");
        let ldif = slapd.dir.path().join("people.ldif");
        std::fs::write(&ldif, people_ldif(people)).expect("write LDIF");
        let out = Command::new(SLAPADD)
            .arg("-q")
            .arg("-f")
            .arg(slapd.conf())
            .arg("-l")
            .arg(&ldif)
            .output()
            .expect("run slapadd");
        assert!(
            out.status.success(),
            "slapadd failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        slapd.run();
        slapd
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("slapd.conf")
    }

    fn pid_file(&self) -> PathBuf {
        self.dir.path().join("slapd.pid")
    }

    /// `ldap://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("ldap://127.0.0.1:{}", self.port)
    }

    /// `ldaps://localhost:PORT` (the certificate is for `localhost`).
    pub fn ldaps_url(&self) -> String {
        format!("ldaps://localhost:{}", self.tls_port.expect("a TLS server"))
    }

    fn write_config(&self, tls: bool) {
        let d = self.dir.path().display();
        // The schema ships beside this file; it is written into the temp dir
        // so the harness works from any crate that includes it.
        let schema = self.dir.path().join("ad-lite.schema");
        std::fs::write(&schema, include_str!("ad-lite.schema")).expect("write the schema");
        let mut conf = format!(
            "include /etc/ldap/schema/core.schema\n\
             include /etc/ldap/schema/cosine.schema\n\
             include /etc/ldap/schema/inetorgperson.schema\n\
             include {}\n\
             pidfile {d}/slapd.pid\n\
             modulepath /usr/lib/ldap\n\
             moduleload back_mdb\n\
             sizelimit 100000\n",
            schema.display()
        );
        if tls {
            let _ = write!(
                conf,
                "TLSCertificateFile {d}/cert.pem\nTLSCertificateKeyFile {d}/key.pem\n"
            );
        }
        let _ = write!(
            conf,
            "database mdb\nmaxsize 1073741824\nsuffix \"{SUFFIX}\"\n\
             rootdn \"cn=admin,{SUFFIX}\"\nrootpw admin-secret\ndirectory {d}/db\n\
             index objectClass eq\n"
        );
        std::fs::write(self.conf(), conf).expect("write slapd.conf");
    }

    /// Starts slapd (again) on the same ports and database, and waits
    /// until it accepts connections.
    pub fn run(&mut self) {
        let mut urls = format!("ldap://127.0.0.1:{}/", self.port);
        if let Some(p) = self.tls_port {
            let _ = write!(urls, " ldaps://127.0.0.1:{p}/");
        }
        // slapd stays in the foreground (-d 0); the shell kills it when
        // our end of its stdin closes: at drop, or when the tests exit.
        let script = format!(
            "{SLAPD} -f '{}' -h '{urls}' -d 0 >'{}' 2>&1 & pid=$!; read _; kill -9 $pid 2>/dev/null; kill -CONT $pid 2>/dev/null",
            self.conf().display(),
            self.dir.path().join("slapd.log").display()
        );
        let child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start slapd");
        self.guard = Some(child);
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.pid().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(self.dir.path().join("slapd.log")).unwrap_or_default();
        panic!("slapd did not start within 20 s: {log}");
    }

    /// slapd's process id, from its pid file.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.pid_file())
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    fn signal(&self, signal: &str) {
        let pid = self.pid().expect("slapd's pid");
        let ok = Command::new("kill")
            .arg(signal)
            .arg(pid.to_string())
            .status()
            .expect("kill");
        assert!(ok.success(), "kill {signal} {pid}");
    }

    /// Freezes slapd: connections stay open, nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a frozen slapd answer again.
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    /// Kills slapd at once (the kernel closes its connections), and waits
    /// until its port is free.
    pub fn kill(&mut self) {
        self.signal("-KILL");
        let _ = std::fs::remove_file(self.pid_file());
        if let Some(mut guard) = self.guard.take() {
            drop(guard.stdin.take());
            let _ = guard.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            drop(guard.stdin.take());
            let _ = guard.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A self-signed certificate for `localhost` and 127.0.0.1, written as
/// cert.pem and key.pem; returns its DER.
fn write_certificate(dir: &Path) -> Vec<u8> {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let cert = rcgen::generate_simple_self_signed(names).expect("certificate");
    std::fs::write(dir.join("cert.pem"), cert.cert.pem()).expect("cert.pem");
    std::fs::write(dir.join("key.pem"), cert.key_pair.serialize_pem()).expect("key.pem");
    cert.cert.der().to_vec()
}

const FIRST: &[&str] = &[
    "Anna", "Ben", "Chiara", "Deniz", "Elif", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Lena",
    "Mehmet", "Nora", "Oskar", "Paula", "Wei",
];
const LAST: &[&str] = &[
    "Schmidt", "Yılmaz", "Rossi", "García", "Müller", "Dubois", "Kowalski", "Li", "Novak", "Silva",
    "Weber", "Öztürk",
];
const DEPARTMENTS: &[&str] = &["Sales", "Support", "Accounts", "Logistics", "Reception"];
const TITLES: &[&str] = &["Manager", "Clerk", "Engineer", "Buyer"];

/// The generated person `i`'s office number, written in one of the ways
/// directories hold numbers (Hamburg, so that no generated number is one a
/// test looks for in Berlin).
pub fn generated_number(i: usize) -> String {
    let n = 2_000_000 + i * 7;
    let (a, b) = (n / 1000, n % 1000);
    match i % 5 {
        0 => format!("+49 40 {a}-{b:03}"),
        1 => format!("040 {n}"),
        2 => format!("+49 (0)40 {n}"),
        3 => format!("0049-40-{n}"),
        _ => format!("(040) {a} {b:03}"),
    }
}

/// The same number normalized (German plan): what a lookup asks for.
pub fn generated_normalized(i: usize) -> String {
    format!("+4940{}", 2_000_000 + i * 7)
}

/// The generated person `i`'s display name.
pub fn generated_name(i: usize) -> String {
    format!(
        "{} {} {i}",
        FIRST[i % FIRST.len()],
        LAST[i / FIRST.len() % LAST.len()]
    )
}

/// The extension of person `i`, for every 20th person (colleagues).
pub fn generated_extension(i: usize) -> Option<String> {
    (i % 20 == 0).then(|| (1000 + i / 20).to_string())
}

/// A small JPEG (header, some bytes, end marker) that differs per person.
pub fn jpeg(seed: usize, len: usize) -> Vec<u8> {
    let mut b = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00,
    ];
    b.extend((0..len.saturating_sub(13)).map(|k| ((seed * 31 + k * 7) % 251) as u8));
    b.extend([0xFF, 0xD9]);
    b
}

/// The LDIF: the suffix, the People unit, the reader, the named people the
/// tests look for, and `people` generated ones.
pub fn people_ldif(people: usize) -> String {
    let mut l = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: People\n\n\
         dn: {READER_DN}\nobjectClass: person\ncn: reader\nsn: reader\nuserPassword: {READER_PASSWORD}\n\n"
    );
    person(
        &mut l,
        "anna",
        &[
            ("displayName", "Anna Schmidt"),
            ("telephoneNumber", ANNA_NUMBER),
            ("company", "Schmidt & Partner"),
            ("department", "Buchhaltung"),
            ("title", "Prokuristin"),
        ],
    );
    attr(&mut l, "jpegPhoto", &jpeg(1, ANNA_PHOTO_LEN));
    l.push('\n');
    person(
        &mut l,
        "hostile",
        &[
            ("displayName", HOSTILE_NAME),
            ("telephoneNumber", HOSTILE_NUMBER),
            ("company", "Acme & <b>Co</b>\n\r"),
        ],
    );
    l.push('\n');
    for i in 0..people {
        let name = generated_name(i);
        let number = generated_number(i);
        let mut attrs = vec![
            ("displayName", name.as_str()),
            ("telephoneNumber", number.as_str()),
        ];
        let dept = DEPARTMENTS[i % DEPARTMENTS.len()];
        let title = TITLES[i % TITLES.len()];
        attrs.extend([
            ("department", dept),
            ("title", title),
            ("o", "Example GmbH"),
        ]);
        let ext = generated_extension(i);
        if let Some(ext) = &ext {
            attrs.push(("ipPhone", ext));
        }
        let mobile = format!("+49 170 {}", 5_000_000 + i);
        if i % 3 == 0 {
            attrs.push(("mobile", &mobile));
        }
        person(&mut l, &format!("p{i:05}"), &attrs);
        let photo = if i % 2 == 0 {
            "thumbnailPhoto"
        } else {
            "jpegPhoto"
        };
        attr(&mut l, photo, &jpeg(i, 200 + i % 300));
        l.push('\n');
    }
    l
}

fn person(l: &mut String, uid: &str, attrs: &[(&str, &str)]) {
    let _ = write!(l, "dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nobjectClass: ringsideAdPerson\nuid: {uid}\n");
    let cn = attrs
        .iter()
        .find(|(k, _)| *k == "displayName")
        .map(|(_, v)| *v)
        .unwrap_or(uid);
    attr(l, "cn", cn.as_bytes());
    attr(l, "sn", uid.as_bytes());
    for (k, v) in attrs {
        attr(l, k, v.as_bytes());
    }
}

/// One attribute line: plain when the value is safe ASCII, else base64.
fn attr(l: &mut String, name: &str, value: &[u8]) {
    let safe = value.iter().all(|b| (0x20..0x7F).contains(b))
        && !value.starts_with(b" ")
        && !value.starts_with(b":")
        && !value.starts_with(b"<");
    if safe {
        let _ = writeln!(l, "{name}: {}", String::from_utf8_lossy(value));
    } else {
        let _ = writeln!(l, "{name}:: {}", base64(value));
    }
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (k, b)| acc | (u32::from(*b) << (16 - 8 * k)));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(T[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Writes `bytes` to stderr: the tests' notes on how long things took.
pub fn note(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}
