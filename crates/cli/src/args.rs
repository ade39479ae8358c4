//! Command-line arguments of `ringside`. Argument handling only.

use clap::{Args, Parser, Subcommand};

/// Ringside: caller-ID popups, click-to-dial and transfers for desk phones
/// on Asterisk-based PBXes, from the command line.
#[derive(Debug, Parser)]
#[command(name = "ringside", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print every change of a call card for the watched extensions, and of
    /// the parked calls, queues and voicemail counts.
    Watch(WatchArgs),
    /// Click-to-dial: ring your phone, then call NUMBER.
    Dial(DialArgs),
    /// Transfer call CALL (its id from `watch`) to extension EXT.
    Transfer(TransferArgs),
    /// Show every extension's state.
    Presence(PresenceArgs),
    /// Store the AMI secret in the OS keyring (read from standard input).
    Login(LoginArgs),
    /// Test the connection step by step (reach, TLS, AMI greeting, login,
    /// rights) and say where it stops, as Settings' "Test connection" does.
    Check(CheckArgs),
    /// Pick up extension EXT's ringing call: your phone rings first.
    Pickup(PickupArgs),
    /// Park call CALL (its id from `watch`) in the PBX's parking lot.
    Park(ParkArgs),
    /// Retrieve the call parked in space SPACE: your phone rings first.
    Retrieve(RetrieveArgs),
    /// Pause, unpause, log in (add) or log out (remove) a queue member.
    Queue(QueueArgs),
    /// The company directory (LDAP or Active Directory): test it, look a
    /// number up, list the colleagues, store its password.
    Directory(DirectoryArgs),
}

/// How to reach the PBX.
#[derive(Debug, Args, Clone)]
pub struct PbxArgs {
    /// The PBX, as HOST or HOST:PORT (the port defaults to the profile's).
    #[arg(long, env = "RINGSIDE_PBX")]
    pub pbx: Option<String>,
    /// The AMI user.
    #[arg(long, env = "RINGSIDE_AMI_USER")]
    pub user: Option<String>,
    /// PBX profile: yeastar-s, mypbx, grandstream, freepbx, elastix, openvox, generic.
    #[arg(long, default_value = "generic")]
    pub profile: String,
    /// Connect with TLS (trusting the system's CA store, unless --tls-pin or --ca says otherwise).
    #[arg(long)]
    pub tls: bool,
    /// With TLS, accept exactly the PBX certificate with this SHA-256
    /// fingerprint (`AB:CD:…` or hex), as the app's Settings do: for a
    /// self-signed PBX such as a Grandstream UCM. Implies --tls.
    #[arg(long, value_name = "SHA256")]
    pub tls_pin: Option<String>,
    /// With TLS, also trust the CA certificate(s) in this PEM file (the
    /// company's own CA). Implies --tls.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<std::path::PathBuf>,
}

impl PbxArgs {
    /// TLS was asked for, directly or by naming what to trust.
    pub fn wants_tls(&self) -> bool {
        self.tls || self.tls_pin.is_some() || self.ca.is_some()
    }
}

/// How a desk reaches the office gateway (office mode) instead of the PBX.
#[derive(Debug, Args, Clone, Default)]
pub struct BrokerArgs {
    /// The office gateway's MQTT broker, `mqtts://HOST:PORT` (or
    /// `mqtt://` on this computer): the calls come through the gateway,
    /// not from the PBX. The password is RINGSIDE_BROKER_PASSWORD or the
    /// OS keyring's `mqtt:USER@HOST`.
    #[arg(long, value_name = "URL")]
    pub broker: Option<String>,
    /// This desk's broker user (as the gateway's configuration lists it).
    #[arg(long, value_name = "USER")]
    pub broker_user: Option<String>,
    /// Trust the broker's certificate if it chains to the CA in this PEM file.
    #[arg(long, value_name = "FILE")]
    pub broker_ca: Option<std::path::PathBuf>,
    /// Trust exactly the broker certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "SHA256")]
    pub broker_pin: Option<String>,
    /// The topic tree's root, when the gateway sets `broker.root`.
    #[arg(long, value_name = "ROOT")]
    pub broker_root: Option<String>,
}

/// `ringside watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Office mode: through the office gateway's broker.
    #[command(flatten)]
    pub office: BrokerArgs,
    /// Connection settings (not used with --replay).
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// A watched extension; repeat for several. Without any, a replay
    /// watches every extension.
    #[arg(long = "extension", short = 'e')]
    pub extensions: Vec<String>,
    /// A watched ring group or queue (number or queue name); repeatable.
    #[arg(long = "group")]
    pub groups: Vec<String>,
    /// An endpoint that is a trunk (e.g. `carrier`); repeatable.
    #[arg(long = "trunk")]
    pub trunks: Vec<String>,
    /// A queue whose callers to report (`queue_join`/`queue_leave` lines);
    /// repeatable. Without any, every queue is reported.
    #[arg(long = "queue", value_name = "NAME")]
    pub queues: Vec<String>,
    /// Bring a caller back to your phone when a colleague you blind-transferred
    /// them to has not answered within SECS seconds (the app's default is 20).
    /// Off unless given: `watch` then moves calls. Needs --extension (whose
    /// transfers come back), and a live PBX.
    #[arg(long, value_name = "SECS")]
    pub recall: Option<u64>,
    /// Feed a captured AMI session (`.ami`, or gzip-compressed) through the
    /// tracker offline instead of connecting.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<std::path::PathBuf>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `ringside dial`.
#[derive(Debug, Args)]
pub struct DialArgs {
    /// Office mode: through the office gateway's broker.
    #[command(flatten)]
    pub office: BrokerArgs,
    /// The number to call (digits, *, #, leading +).
    pub number: String,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// Your own extension (its phone rings first).
    #[arg(long, short = 'e', env = "RINGSIDE_EXTENSION")]
    pub extension: String,
    /// Your name, shown on your phone as the caller ID.
    #[arg(long)]
    pub name: Option<String>,
    /// Originate context (default: the profile's, e.g. DLPN_DialPlan<ext>).
    #[arg(long)]
    pub context: Option<String>,
    /// How long to wait for your phone to answer, in seconds.
    #[arg(long, default_value_t = 60)]
    pub wait: u64,
}

/// `ringside transfer`.
#[derive(Debug, Args)]
pub struct TransferArgs {
    /// Office mode: through the office gateway's broker.
    #[command(flatten)]
    pub office: BrokerArgs,
    /// The call id (Linkedid) as `watch` prints it.
    pub call: String,
    /// The extension to transfer to.
    pub target: String,
    /// Consult first (Atxfer) instead of a blind transfer.
    #[arg(long)]
    pub attended: bool,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// Your own extension (the one talking to the caller).
    #[arg(long, short = 'e', env = "RINGSIDE_EXTENSION")]
    pub extension: String,
    /// Transfer context (default: the profile's).
    #[arg(long)]
    pub context: Option<String>,
}

/// `ringside presence`.
#[derive(Debug, Args)]
pub struct PresenceArgs {
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// `ringside check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
}

/// `ringside login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Connection settings (host and user name the keyring entry).
    #[command(flatten)]
    pub pbx: PbxArgs,
}

/// `ringside pickup`.
#[derive(Debug, Args)]
pub struct PickupArgs {
    /// The colleague's extension whose phone rings.
    pub ringing: String,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// Your own extension (its phone rings first and takes the call).
    #[arg(long, short = 'e', env = "RINGSIDE_EXTENSION")]
    pub extension: String,
    /// Your name, shown on your phone as the caller ID.
    #[arg(long)]
    pub name: Option<String>,
    /// How long to wait for your phone to answer and take the call, in seconds.
    #[arg(long, default_value_t = 30)]
    pub wait: u64,
}

/// `ringside park`.
#[derive(Debug, Args)]
pub struct ParkArgs {
    /// The call id (Linkedid) as `watch` prints it.
    pub call: String,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// Your own extension: a parked call nobody retrieves rings it again.
    #[arg(long, short = 'e', env = "RINGSIDE_EXTENSION")]
    pub extension: String,
}

/// `ringside retrieve`.
#[derive(Debug, Args)]
pub struct RetrieveArgs {
    /// The parking space (`71`).
    pub space: String,
    /// The parking lot, when the PBX has more than one.
    #[arg(long)]
    pub lot: Option<String>,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
    /// Your own extension (its phone rings first and takes the call).
    #[arg(long, short = 'e', env = "RINGSIDE_EXTENSION")]
    pub extension: String,
    /// Your name, shown on your phone as the caller ID.
    #[arg(long)]
    pub name: Option<String>,
    /// The context the space is dialled in (default: the profile's).
    #[arg(long)]
    pub context: Option<String>,
    /// How long to wait for your phone to answer and take the call, in seconds.
    #[arg(long, default_value_t = 30)]
    pub wait: u64,
}

/// `ringside queue`.
#[derive(Debug, Args)]
pub struct QueueArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: QueueAction,
}

/// What a `queue` subcommand does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueVerb {
    /// Pause the member.
    Pause,
    /// Unpause the member.
    Unpause,
    /// Log the member in.
    Add,
    /// Log the member out.
    Remove,
}

/// A `queue` subcommand with its arguments.
#[derive(Debug, Subcommand)]
pub enum QueueAction {
    /// Pause MEMBER in QUEUE (it is not rung until unpaused).
    Pause(QueueMemberArgs),
    /// Unpause MEMBER in QUEUE.
    Unpause(QueueMemberArgs),
    /// Log MEMBER in to QUEUE.
    Add(QueueMemberArgs),
    /// Log MEMBER out of QUEUE.
    Remove(QueueMemberArgs),
}

impl QueueAction {
    /// Which verb, and its arguments.
    pub fn split(&self) -> (QueueVerb, &QueueMemberArgs) {
        match self {
            Self::Pause(a) => (QueueVerb::Pause, a),
            Self::Unpause(a) => (QueueVerb::Unpause, a),
            Self::Add(a) => (QueueVerb::Add, a),
            Self::Remove(a) => (QueueVerb::Remove, a),
        }
    }
}

/// `ringside queue pause|unpause|add|remove QUEUE MEMBER`.
#[derive(Debug, Args)]
pub struct QueueMemberArgs {
    /// The queue's name (`support`).
    pub queue: String,
    /// The member: an extension (`1002`, named as the profile's queues name
    /// their members) or an interface (`PJSIP/1002`, `Local/1002@from-queue/n`).
    pub member: String,
    /// Why (pause only; shown to supervisors on Asterisk 12+).
    #[arg(long)]
    pub reason: Option<String>,
    /// The member's name in the queue (add only).
    #[arg(long)]
    pub name: Option<String>,
    /// Connection settings.
    #[command(flatten)]
    pub pbx: PbxArgs,
}

/// `ringside directory`.
#[derive(Debug, Args)]
pub struct DirectoryArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: DirectoryAction,
}

/// A `directory` subcommand.
#[derive(Debug, Subcommand)]
pub enum DirectoryAction {
    /// Test the directory step by step (reach, TLS, sign in, one search)
    /// and say where it stops, as Settings' "Test directory" does.
    Test(LdapArgs),
    /// Who NUMBER is, as the popup would show it.
    Lookup(LookupArgs),
    /// The colleagues' extensions and names, as the board would show them.
    Colleagues(LdapArgs),
    /// Store the bind user's password in the OS keyring (read from
    /// standard input).
    Login(LdapArgs),
}

/// `ringside directory lookup NUMBER`.
#[derive(Debug, Args)]
pub struct LookupArgs {
    /// The number, written any way (`+49 30 1234-567`, `030 1234567`).
    pub number: String,
    /// One JSON object (or `null` when nobody has the number).
    #[arg(long)]
    pub json: bool,
    /// Directory settings.
    #[command(flatten)]
    pub ldap: LdapArgs,
}

/// How to reach and search the directory. The password is
/// RINGSIDE_LDAP_PASSWORD or the OS keyring's `ldap:BIND_DN@HOST` (see
/// `ringside directory login`), never an argument.
#[derive(Debug, Args, Clone)]
pub struct LdapArgs {
    /// The server: `ldaps://HOST[:PORT]`, or `ldap://HOST[:PORT]` (with --starttls).
    #[arg(long, env = "RINGSIDE_LDAP_URL", value_name = "URL")]
    pub server: String,
    /// Where to search, such as `ou=People,dc=example,dc=com`.
    #[arg(long, env = "RINGSIDE_LDAP_BASE", value_name = "DN")]
    pub base: String,
    /// The user to sign in as (a DN, or `user@domain` on Active Directory);
    /// without it the search is anonymous.
    #[arg(long, env = "RINGSIDE_LDAP_BIND_DN", value_name = "DN")]
    pub bind_dn: Option<String>,
    /// Upgrade an `ldap://` connection with StartTLS.
    #[arg(long)]
    pub starttls: bool,
    /// Accept exactly the server certificate with this SHA-256
    /// fingerprint (`AB:CD:…` or hex): for a self-signed certificate.
    /// Implies --starttls on an `ldap://` server.
    #[arg(long, value_name = "SHA256")]
    pub tls_pin: Option<String>,
    /// Also trust the CA certificate(s) in this PEM file. Implies
    /// --starttls on an `ldap://` server.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<std::path::PathBuf>,
    /// The filter, with {number} where the number's match goes.
    #[arg(
        long,
        env = "RINGSIDE_LDAP_FILTER",
        default_value = "(&(objectClass=person){number})"
    )]
    pub filter: String,
    /// An attribute that holds numbers; repeat for several (default:
    /// telephoneNumber, mobile, homePhone, ipPhone, otherTelephone).
    #[arg(long = "attribute", value_name = "NAME")]
    pub attributes: Vec<String>,
    /// The office's country calling code (as in the app's Settings).
    #[arg(long, env = "RINGSIDE_COUNTRY_CODE", default_value = "1")]
    pub country_code: String,
    /// The national trunk prefix (`0` in most of Europe, `1` in North America).
    #[arg(long, env = "RINGSIDE_TRUNK_PREFIX", default_value = "1")]
    pub trunk_prefix: String,
}
