//! The command line, defined once: used for parsing, `--help`, completions and the man page.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Examples shown at the end of `--help`.
const EXAMPLES: &str = "\
Examples:
  inject-root --wim boot.wim --cert root.cer
      Trust root.cer in every image of boot.wim (AuthRoot store of the SOFTWARE hive).
  inject-root --wim 'D:/Sources/OSD/Boot/*.wim' --cert root.cer --expect-thumbprint 3B1E...5BD5
      A batch, failing before any write if root.cer is not the expected certificate.
  inject-root --wim boot.wim --index 1 --reg exported.reg --dry-run
      Show what importing a regedit export (winpe-offline prefix) into image 1 would do.
  inject-root list --wim boot.wim
      Every certificate in every store of every image, decoded from its Blob.
  inject-root verify --wim boot.wim --cert root.cer
      Exit 0 only if root.cer is present and well-formed in every image.
  inject-root --wim boot.wim --cert chain.p7b
      A PKI bundle: the self-signed root goes to AuthRoot, the issuing CA to CA.
  inject-root check --wim boot.wim --server-cert cmg.cer --chain issuing.cer --name cmg.contoso.com
      Will WinPE booted from each image trust that server? The path, or what is missing.
  inject-root remove --wim boot.wim --thumbprint 3B1EFD3A66EA28B16697394703A72CA340A05BD5
  inject-root demo
      Run the main job on a built-in sample boot.wim in a temporary directory.

Exit codes:
  0  done (verify: every certificate present in every image)
  1  some target failed (the others were processed; a failed target is not written,
     unless the report says 'FAILED after writing')
  2  usage error (bad arguments)
  3  verify: some certificate is missing or malformed in some image;
     check: some image does not trust the server certificate
  4  input rejected before any target was touched (unreadable or refused certificate,
     bad .reg file, --expect-thumbprint mismatch, --expect-trust not met)";

/// Make offline Windows boot images (boot.wim) trust a root certificate, on Windows or Linux.
///
/// Without a subcommand, inject-root adds the certificates (same as `inject-root add`).
#[derive(Debug, Parser)]
#[command(name = "inject-root", version, after_long_help = EXAMPLES, args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do (default: add).
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Arguments of the default `add` action.
    #[command(flatten)]
    pub add: AddArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add certificates to the store of every targeted image (the default action).
    #[command(after_long_help = EXAMPLES)]
    Add(AddArgs),
    /// List the certificates of every store of every targeted image.
    List(ListArgs),
    /// Remove certificates by thumbprint.
    Remove(RemoveArgs),
    /// Exit 0 only if every given certificate is present and well-formed in every image.
    Verify(VerifyArgs),
    /// Will each image trust a server certificate? Builds and checks the certification path
    /// from the server certificate to the image's root stores, as Windows' chain engine does.
    Check(CheckArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output.
    Man,
    /// Copy the built-in sample boot.wim (2 images) to a directory and trust a sample root in it.
    Demo {
        /// Directory for the copy (default: a new temporary directory, kept for inspection).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// What to edit.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Targets")]
pub struct TargetArgs {
    /// A WIM file; repeatable; glob patterns (quoted) are expanded.
    #[arg(long, value_name = "FILE")]
    pub wim: Vec<String>,
    /// A file listing WIM files, one per line ('#' starts a comment).
    #[arg(long, value_name = "FILE")]
    pub wim_list: Vec<PathBuf>,
    /// An image already mounted or extracted (DIR/Windows/System32/config/SOFTWARE, any case).
    #[arg(long, value_name = "DIR")]
    pub mount: Vec<PathBuf>,
    /// A bare SOFTWARE hive file.
    #[arg(long, value_name = "FILE")]
    pub hive: Vec<PathBuf>,
    /// Only this image of each WIM (1-based); repeatable.
    #[arg(long, value_name = "N")]
    pub index: Vec<u32>,
}

/// Where certificates go (add), or are looked for (remove, verify).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Store")]
pub struct StoreArgs {
    /// Certificate store: AuthRoot, Root, CA, TrustedPublisher, TrustedPeople, Disallowed.
    /// Default for add: by kind, as Windows' import wizard does (a self-signed CA to
    /// --root-store, any other CA to CA); for remove and verify: whichever store holds it.
    #[arg(long, value_name = "NAME")]
    pub store: Option<String>,
    /// Where the store lives.
    #[arg(long, value_enum, default_value_t = LocationArg::Machine)]
    pub location: LocationArg,
}

/// `--location` values.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum LocationArg {
    /// Microsoft\SystemCertificates.
    #[default]
    Machine,
    /// Policies\Microsoft\SystemCertificates (Group Policy).
    Policy,
    /// Microsoft\EnterpriseCertificates (Active Directory).
    Enterprise,
}

/// Certificates given as files.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Certificates")]
pub struct CertArgs {
    /// A certificate file (DER, PEM, PEM bundle, PKCS#7); repeatable.
    #[arg(long, value_name = "FILE")]
    pub cert: Vec<PathBuf>,
    /// A regedit export (e.g. with the winpe-offline prefix); only its certificate entries are
    /// applied, where the file puts them; other operations are skipped with a warning.
    #[arg(long, value_name = "FILE")]
    pub reg: Vec<PathBuf>,
    /// Fail (exit 4, nothing written) unless the certificates given are exactly these.
    #[arg(long, value_name = "THUMBPRINT")]
    pub expect_thumbprint: Vec<String>,
}

/// What a trust check judges.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Trust check")]
pub struct TrustArgs {
    /// A certificate file holding issuers the path may use besides the image's stores (what
    /// the server sends in its TLS handshake); repeatable.
    #[arg(long, value_name = "FILE")]
    pub chain: Vec<PathBuf>,
    /// The name the client connects to (e.g. cmg.contoso.com): the server certificate must
    /// cover it (subjectAltName, or its CN when it has none).
    #[arg(long, value_name = "DNSNAME")]
    pub name: Option<String>,
}

/// Run and output options.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Output")]
pub struct RunArgs {
    /// Print the report as JSON (one object per target and image).
    #[arg(long)]
    pub json: bool,
    /// Targets processed in parallel (default: number of cores).
    #[arg(
        long,
        short = 'j',
        value_name = "N",
        default_value_t = 0,
        hide_default_value = true
    )]
    pub jobs: usize,
    /// No progress bars or progress lines.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// A dirty hive (one whose transaction logs hold changes its primary file lacks) is
    /// refused instead of having its logs replayed in memory first, as Windows would.
    #[arg(long)]
    pub no_replay: bool,
}

/// `add` (and the default action).
#[derive(Debug, Args, Default)]
pub struct AddArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub certs: CertArgs,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Show the plan; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// WIM targets: rewrite the whole file (temporary file + rename) instead of appending the new
    /// data; the WIM does not grow by the old hive's data on every change.
    #[arg(long)]
    pub rebuild: bool,
    /// Inject certificates certblob refuses (not a CA, expired...); findings become warnings.
    #[arg(long)]
    pub force: bool,
    /// The root store self-signed CA certificates go to when --store is not given: AuthRoot
    /// (as in Microsoft's procedure) or Root.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "AuthRoot",
        help_heading = "Store"
    )]
    pub root_store: String,
    /// Before anything is written, check that every image will trust this server certificate
    /// after the change; if some image would not, nothing is written (exit 4).
    #[arg(long, value_name = "FILE", help_heading = "Trust check")]
    pub expect_trust: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// The server's certificate (the management point or cloud management gateway's TLS
    /// certificate); further certificates in the file count as --chain.
    #[arg(long, value_name = "FILE", required = true)]
    pub server_cert: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// The time to judge validity at, RFC 3339 (e.g. 2027-01-01T00:00:00Z; default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    /// SHA-1 thumbprint of the certificate to remove; repeatable.
    #[arg(long, value_name = "THUMBPRINT", required = true)]
    pub thumbprint: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// Show the plan; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// WIM targets: rewrite the whole file (temporary file + rename) instead of appending the new
    /// data; the WIM does not grow by the old hive's data on every change.
    #[arg(long)]
    pub rebuild: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub certs: CertArgs,
    /// A certificate given by thumbprint only (looked for in --store, or in every store);
    /// repeatable.
    #[arg(long, value_name = "THUMBPRINT")]
    pub thumbprint: Vec<String>,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub run: RunArgs,
}
