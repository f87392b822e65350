//! The `execora` command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "execora",
    version,
    about = "WhatsApp bookkeeping assistant for Indian small merchants"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service (the default): HTTP on HOST:PORT.
    Serve {
        /// Seed the demo shop first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Ask the running service's /healthz on this machine (for a container's HEALTHCHECK, which
    /// has no curl); exits non-zero unless it answers 200 within 3 seconds.
    Healthcheck,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage shops and their phones.
    Merchant {
        #[command(subcommand)]
        command: MerchantCommand,
    },
    /// Parse one message and print the commands as JSON (no database; rules, plus an LLM if configured).
    Parse {
        /// Print one compact JSON object (the default prints it indented).
        #[arg(long)]
        json: bool,
        /// "Now" for relative dates, RFC 3339 (default: the current time in EXECORA_TIMEZONE).
        #[arg(long)]
        now: Option<String>,
        /// The message.
        text: String,
    },
    /// Score the rules parser on JSONL case files: general {"text","now","expect"} cases (exact
    /// match, confident-and-wrong, deferred) and safety {"text","now","class","meant"} cases
    /// (wrong bookings, controls not booked at once).
    EvalNlu {
        /// Print the figures only, never a case (for a held-out part).
        #[arg(long)]
        summary: bool,
        /// The case files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Talk to Execora as a merchant, against the real database, without WhatsApp.
    Chat {
        /// The merchant's phone (or id), e.g. 919800000001 for the demo shop.
        #[arg(long)]
        merchant: String,
    },
    /// Seed the demo shop (idempotent) and say how to try it.
    Demo,
    /// Verify every shop's books: balances = ledger, stock = movements, reversals and references
    /// stay in their shop. Exits non-zero naming each problem; prints one "ok" line otherwise.
    Check,
    /// Copy the SQLite database to PATH while the service keeps running (an online, consistent
    /// snapshot; restore by pointing DATABASE_URL at the copy, then `execora check`).
    Backup {
        /// The new file to write; it must not exist yet.
        path: PathBuf,
    },
    /// Show outbound messages: what the sandbox holds, what failed and why, what is stuck.
    Outbox {
        /// Only messages WhatsApp refused for good.
        #[arg(long, conflicts_with = "stuck")]
        failed: bool,
        /// Only messages claimed for sending over 5 minutes ago and never confirmed.
        #[arg(long)]
        stuck: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Put this failed or stuck message back in the queue (after fixing the cause).
        #[arg(long, value_name = "ID")]
        retry: Option<i64>,
    },
    /// Issue a link to a customer's pay page (dues, last entries, UPI button and QR) and print
    /// its URL, PUBLIC_URL/pay/<token>; it works for 30 days.
    PayLink {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The customer's name as the shop knows it.
        #[arg(long)]
        customer: String,
    },
    /// A customer's data: export it as JSON, or delete the customer (confirmed by a code sent to
    /// the shop owner's WhatsApp).
    Customer {
        #[command(subcommand)]
        command: CustomerCommand,
    },
    /// Payment reminders: schedule, list and cancel them.
    Reminder {
        #[command(subcommand)]
        command: ReminderCommand,
    },
    /// WhatsApp message templates (payment reminder, evening digest).
    Whatsapp {
        #[command(subcommand)]
        command: WhatsappCommand,
    },
    /// Operator accounts: people of the service who see every shop on the panel, read-only.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Show inbound messages that failed on every try and were given up on.
    Inbox {
        /// Only messages given up on (`dead`): the one view so far.
        #[arg(long)]
        dead: bool,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Add an operator who logs in at /panel/admin/login. The password (12 to 256 characters)
    /// is read from the first line of standard input, or of --password-file; never from an
    /// argument, which other users of the machine could see.
    Add {
        #[arg(long)]
        email: String,
        /// A file whose first line is the password.
        #[arg(long, value_name = "PATH")]
        password_file: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CustomerCommand {
    /// Print everything the shop holds about one customer as JSON: profile, statement with the
    /// running balance, bills, reminders with their timelines, messages in and out.
    Export {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The customer's name as the shop knows it, or `#<id>`.
        #[arg(long)]
        customer: String,
    },
    /// Delete a customer: a 6-digit code goes to the shop owner's WhatsApp and is read from
    /// standard input (5 tries, 5 minutes). Their name, phone, messages, voice notes and pay
    /// links go, waiting reminders are cancelled; their entries stay, anonymised.
    Delete {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The customer's name as the shop knows it, or `#<id>`.
        #[arg(long)]
        customer: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ReminderCommand {
    /// Schedule a payment reminder to a customer (sent by `execora serve` when it falls due).
    Add {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The customer's name as the shop knows it.
        #[arg(long)]
        customer: String,
        /// Rupees to ask for (e.g. 500 or 1,250.50); without it, the balance when it is sent.
        #[arg(long, value_name = "RUPEES")]
        amount: Option<String>,
        /// When, in the shop's zone: "YYYY-MM-DD HH:MM" (default: now).
        #[arg(long, value_name = "YYYY-MM-DD HH:MM")]
        at: Option<String>,
        /// Remind again every this many days while the customer owes (1 to 365): an automatic
        /// series, the first at --at.
        #[arg(long, value_name = "DAYS")]
        every: Option<i64>,
    },
    /// List a shop's automatic reminder series (running first), with their interval.
    Series {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Stop automatic reminders: one customer's (--customer) or all of the shop's (--all,
    /// which also turns the shop-wide setting off). One-off reminders stay.
    Stop {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The customer's name as the shop knows it.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        customer: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// List a shop's reminders, latest due first, with their status and customers' replies.
    List {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Cancel a reminder that has not been sent.
    Cancel {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// The reminder's id (see `execora reminder list`).
        id: i64,
    },
}

#[derive(Debug, Subcommand)]
pub enum WhatsappCommand {
    /// Print the templates in templates/whatsapp/ as the bodies Meta's message_templates API
    /// takes (PUBLIC_URL filled in); with WHATSAPP_BUSINESS_ACCOUNT_ID and WHATSAPP_ACCESS_TOKEN,
    /// --submit creates them and --status shows their review.
    Templates {
        /// Create every template through the Graph API (one POST each).
        #[arg(long, conflicts_with = "status")]
        submit: bool,
        /// List the account's templates with their language and review status.
        #[arg(long)]
        status: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MerchantCommand {
    /// Open a shop with its owner's phone.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        phone: String,
        /// Reply language: hi-Latn (Hinglish, default), hi (Devanagari) or en.
        #[arg(long, default_value = "hi-Latn")]
        locale: String,
        #[arg(long)]
        upi_id: Option<String>,
        /// IANA zone (default: EXECORA_TIMEZONE).
        #[arg(long)]
        timezone: Option<String>,
    },
    /// List shops and their phones.
    List,
    /// Register another phone for a shop.
    AddPhone {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        #[arg(long)]
        phone: String,
        /// owner or staff.
        #[arg(long, default_value = "staff")]
        role: String,
    },
    /// Show a shop's settings, or change them (only the options given).
    Set {
        /// The shop's id or any of its phones.
        #[arg(long)]
        merchant: String,
        /// Ask before booking a payment, udhaar or bill above this many rupees (default 50000).
        #[arg(long, value_name = "RUPEES")]
        large_amount: Option<String>,
        /// Hours after issuing it that staff may still cancel a bill (default 24; the owner
        /// always may).
        #[arg(long, value_name = "HOURS")]
        cancel_window_hours: Option<i64>,
        /// At most this many reminders leave the shop in one of its days (1 to 100000, default
        /// 200); the rest wait for the next morning.
        #[arg(long, value_name = "N")]
        reminder_cap: Option<i64>,
        /// No reminder reaches a customer between these times of the shop's day (default
        /// 21:00-09:00; a start later than the end crosses midnight).
        #[arg(long, value_name = "HH:MM-HH:MM")]
        quiet_hours: Option<String>,
        /// Remind every customer with dues every this many days (1 to 365); 0 turns it off.
        #[arg(long, value_name = "DAYS")]
        auto_reminder_days: Option<i64>,
        /// When the evening digest comes, in the shop's zone (HH:MM, default 21:00), or `off`;
        /// `on` turns it on again at its last time.
        #[arg(long, value_name = "HH:MM|off|on")]
        digest: Option<String>,
    },
}
