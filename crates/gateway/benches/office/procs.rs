//! The processes the benchmark runs (Mosquitto, the simulated PBX, the
//! gateway) and what /proc says each of them spent.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use ringside_gateway::Topics;

/// A child process, killed when dropped.
#[derive(Debug)]
pub struct Proc {
    child: Child,
    /// What the benchmark calls it in messages.
    pub name: &'static str,
    _stdout: Option<ChildStdout>,
}

impl Proc {
    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU seconds (user + system) and peak RSS (MiB) so far.
    pub fn usage(&self) -> Usage {
        usage(self.pid())
    }

    /// Fails with the process's name when it has exited.
    pub fn check_alive(&mut self) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Err(format!("{} exited early ({status})", self.name)),
            _ => Ok(()),
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one process has spent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User + system CPU seconds.
    pub cpu_s: f64,
    /// Peak resident set (VmHWM), MiB.
    pub peak_rss_mb: f64,
}

/// /proc/PID/stat's utime + stime and /proc/PID/status's VmHWM.
pub fn usage(pid: u32) -> Usage {
    let ticks = clock_ticks();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name, which is in parentheses.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here.
    let cpu_s = (field(11) + field(12)) / ticks;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let hwm_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .unwrap_or(0.0);
    Usage {
        cpu_s,
        peak_rss_mb: hwm_kb / 1024.0,
    }
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Mosquitto on a free loopback port (plain TCP), with a password file made
/// by `mosquitto_passwd` for `users` and the gateway's ACL, in `dir`.
/// `desks` are the gateway's desks with their extensions, for the ACL.
pub fn mosquitto(
    dir: &Path,
    users: &[(String, String)],
    gateway_user: &str,
    desks: &[(String, Vec<String>)],
) -> (Proc, u16) {
    let passwd = dir.join("passwd");
    let plain: String = users.iter().map(|(u, p)| format!("{u}:{p}\n")).collect();
    std::fs::write(&passwd, plain).expect("write the password file");
    // -U hashes every password of a plain `user:password` file in place.
    let ok = Command::new("mosquitto_passwd")
        .arg("-U")
        .arg(&passwd)
        .status()
        .expect("mosquitto_passwd runs (Debian's mosquitto package)");
    assert!(ok.success(), "mosquitto_passwd -U failed");
    std::fs::write(
        dir.join("acl"),
        Topics::default().mosquitto_acl(
            gateway_user,
            desks.iter().map(|(u, e)| (u.as_str(), e.as_slice())),
        ),
    )
    .expect("write the ACL");
    let port = free_port();
    let conf = format!(
        "listener {port} 127.0.0.1\nallow_anonymous false\npersistence false\nset_tcp_nodelay true\n\
         password_file {0}/passwd\nacl_file {0}/acl\nlog_dest stderr\nlog_type error\n",
        dir.display()
    );
    std::fs::write(dir.join("mosquitto.conf"), conf).expect("write mosquitto.conf");
    let child = Command::new("mosquitto")
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("mosquitto starts");
    let proc = Proc {
        child,
        name: "mosquitto",
        _stdout: None,
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "mosquitto listens within 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    (proc, port)
}

/// How the simulated PBX replays the capture.
#[derive(Debug, Clone)]
pub struct PbxRun {
    /// The `ringside-pbxsim` binary.
    pub bin: PathBuf,
    /// The capture.
    pub capture: PathBuf,
    /// Packets per second.
    pub rate: f64,
    /// After each login, wait this long before the first packet.
    pub start_delay: Duration,
    /// Where the first session's send times go.
    pub sent_log: Option<PathBuf>,
}

/// `ringside-pbxsim --replay` as `run` says, and its address.
pub fn pbxsim(run: &PbxRun) -> (Proc, SocketAddr) {
    let mut cmd = Command::new(&run.bin);
    cmd.args(["--listen", "127.0.0.1:0", "--replay"])
        .arg(&run.capture)
        .arg("--rate")
        .arg(format!("{}", run.rate))
        .arg("--start-delay-ms")
        .arg(run.start_delay.as_millis().to_string());
    if let Some(log) = &run.sent_log {
        cmd.arg("--sent-log").arg(log);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("ringside-pbxsim starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).expect("pbxsim's first line");
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("pbxsim said {first:?}, not `listening on ADDR`"));
    let proc = Proc {
        child,
        name: "ringside-pbxsim",
        _stdout: Some(reader.into_inner()),
    };
    (proc, addr)
}

/// The gateway binary with `config`, its secrets in the environment, its
/// messages in `log`.
pub fn gateway(bin: &Path, config: &Path, broker_password: &str, log: &Path) -> Proc {
    let log = std::fs::File::create(log).expect("gateway log");
    let child = Command::new(bin)
        .arg("--config")
        .arg(config)
        .env("RINGSIDE_AMI_SECRET", "ringside-secret")
        .env("RINGSIDE_BROKER_PASSWORD", broker_password)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("ringside-gateway starts");
    Proc {
        child,
        name: "ringside-gateway",
        _stdout: None,
    }
}

/// Reads a sent log: send time (µs since the epoch) by packet index.
pub fn read_sent_log(path: &Path, packets: usize) -> Vec<u64> {
    let mut sent = vec![0; packets];
    let text = std::fs::read_to_string(path).unwrap_or_default();
    for line in text.lines() {
        if let Some((i, t)) = line.split_once(' ') {
            if let (Ok(i), Ok(t)) = (i.parse::<usize>(), t.parse::<u64>()) {
                if i < packets {
                    sent[i] = t;
                }
            }
        }
    }
    sent
}
