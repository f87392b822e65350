//! Configuration from the environment, each secret also accepted as `NAME_FILE`; bad values name their variable.

use std::net::IpAddr;
use std::time::Duration;

use execora_engine::nlu::llm::LlmConfig;
use execora_engine::providers::{SttConfig, TtsConfig};
use execora_engine::rights::MessageRetention;
use execora_engine::store::{DEFAULT_DATABASE_URL, redact};
use execora_engine::time::{DEFAULT_TIMEZONE, parse_zone};

/// A configuration value that stops start-up, with the variable it came from.
#[derive(Debug, thiserror::Error)]
#[error("configuration error: {variable}: {problem}")]
pub struct ConfigError {
    pub variable: String,
    pub problem: String,
}

fn problem(variable: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        variable: variable.to_string(),
        problem: problem.into(),
    }
}

/// Where the environment comes from; tests pass a map instead of the process environment.
pub trait Env {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn get(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for std::collections::HashMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// A plain setting: unset and empty mean "use the default".
fn setting(env: &dyn Env, name: &str) -> Option<String> {
    env.get(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A secret, from `NAME` or from the file named by `NAME_FILE` (Docker and Fly secrets).
pub fn secret(env: &dyn Env, name: &str) -> Result<Option<String>, ConfigError> {
    let file_var = format!("{name}_FILE");
    match (setting(env, name), setting(env, &file_var)) {
        (Some(_), Some(_)) => Err(problem(
            name,
            format!("set either {name} or {file_var}, not both"),
        )),
        (Some(value), None) => Ok(Some(value)),
        (None, Some(path)) => match std::fs::read_to_string(&path) {
            Ok(value) if !value.trim().is_empty() => Ok(Some(value.trim().to_string())),
            Ok(_) => Err(problem(&file_var, format!("{path} is empty"))),
            Err(e) => Err(problem(&file_var, format!("cannot read {path}: {e}"))),
        },
        (None, None) => Ok(None),
    }
}

/// How to reach an OpenAI-compatible model. `Debug` never shows the key.
#[derive(Clone)]
pub struct LlmSettings {
    pub api_key: String,
    pub base_url: Option<String>,
    pub model: String,
    pub timeout: Duration,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("api_key", &"***")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl LlmSettings {
    pub fn engine_config(&self) -> LlmConfig {
        LlmConfig {
            api_key: self.api_key.clone(),
            base_url: self.base_url.clone(),
            model: self.model.clone(),
            timeout: self.timeout,
        }
    }
}

/// `DATABASE_URL`. It may hold passwords, so `Debug` shows it redacted; it reads as the `&str`.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl std::ops::Deref for DatabaseUrl {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact(&self.0))
    }
}

impl PartialEq<&str> for DatabaseUrl {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub host: IpAddr,
    pub port: u16,
    pub public_url: String,
    pub timezone: String,
    /// Apply pending migrations at `serve` start (turn off to run `execora migrate` as a release step).
    pub auto_migrate: bool,
    /// `EXECORA_SHUTDOWN_SECONDS`: after SIGTERM, how long in-flight requests and the message
    /// each worker is on may take before the process exits anyway (default 20).
    pub shutdown_grace: std::time::Duration,
    /// `EXECORA_METRICS_PORT`: where `/metrics` is served, on HOST (0: any free port); unset,
    /// no metrics page.
    pub metrics_port: Option<u16>,
    pub llm: Option<LlmSettings>,
    pub whatsapp: WhatsappSettings,
    /// `EXECORA_SIGNUP=open`: a stranger who writes in is walked through opening a shop.
    pub open_signup: bool,
    pub voice: VoiceSettings,
    /// `EXECORA_WORKERS=off`: this process only stores what arrives (the webhook); the inbound
    /// worker, the sender and the purge run in another process (claims are atomic, so several
    /// processes may run them). On by default.
    pub run_workers: bool,
    /// `EXECORA_PANEL_SECRET`: keys the panel's login codes and form tokens. Without it a key is
    /// drawn at start, so codes and open forms do not survive a restart or reach another process.
    pub panel_secret: Option<PanelSecret>,
    /// `EXECORA_CLIENT_IP_HEADER`: the header a proxy in front sets to the client's address
    /// (`Fly-Client-IP`, `X-Real-IP`), for the login rate limits; without it, the peer address.
    pub client_ip_header: Option<String>,
    /// `EXECORA_MESSAGE_RETENTION_DAYS`: message bodies and transcripts are cleared this many
    /// days after they were stored (default 180; 0 keeps them).
    pub message_retention: MessageRetention,
    /// `EXECORA_REMINDER_CONCURRENCY`: how many reminders one process sends at once (1 to 1000,
    /// default 64); the number's throughput limit still paces them.
    pub reminder_concurrency: usize,
    /// `EXECORA_INBOUND_CONCURRENCY`: how many arriving messages one process works on at once
    /// (1 to 64, default 32 on SQLite and 16 on PostgreSQL); each sender's messages are still
    /// answered in order.
    pub inbound_concurrency: usize,
    /// `EXECORA_REPLY_CONCURRENCY`: how many replies one process sends at once (1 to 64, default
    /// 8); each number's replies still arrive in the order they were written.
    pub reply_concurrency: usize,
    /// `EXECORA_RESEND_UNCONFIRMED_AFTER`: seconds (60 to 86,400, default 600) after which a
    /// reply claimed for sending, whose send was never recorded and which no status of Meta's
    /// has named, is sent again (the process that claimed it died before the send reached Meta).
    /// It must exceed the slowest text send (three Graph API calls of 15 s); spoken replies wait
    /// at least 15 minutes whatever it is.
    pub resend_unconfirmed_after: std::time::Duration,
}

/// The panel's server secret; never printed.
#[derive(Clone)]
pub struct PanelSecret(pub String);

impl std::fmt::Debug for PanelSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PanelSecret(***)")
    }
}

/// Voice notes: who listens, who speaks, how long a note may be, where recordings are kept.
/// `Debug` never shows keys (the provider configs hide them).
#[derive(Debug, Clone)]
pub struct VoiceSettings {
    /// Speech-to-text; `None`: voice notes get a polite "please type".
    pub stt: Option<SttConfig>,
    /// Text-to-speech; `None`: replies are text only.
    pub tts: Option<TtsConfig>,
    /// The language hint for both (ISO 639-1).
    pub language: String,
    /// The longest voice note listened to.
    pub max_seconds: u32,
    /// The longest a speech call may take, per attempt.
    pub timeout: Duration,
    /// Where voice notes and transcripts are archived: a directory, `file://…` or `s3://bucket/prefix?…`.
    pub recordings_url: String,
    /// Archived recordings are deleted after this many days; `None` keeps them.
    pub retention_days: Option<u32>,
}

fn number_in(
    env: &dyn Env,
    name: &str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, ConfigError> {
    match setting(env, name) {
        None => Ok(default),
        Some(text) => text
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                problem(
                    name,
                    format!("must be a number from {} to {}", range.start(), range.end()),
                )
            }),
    }
}

/// An approved template's name and language from `name_var` and `language_var` (default `en`).
fn template_setting(
    env: &dyn Env,
    name_var: &str,
    language_var: &str,
) -> Result<Option<(String, String)>, ConfigError> {
    let Some(name) = setting(env, name_var) else {
        return Ok(None);
    };
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(problem(
            name_var,
            "a template name is lowercase letters, digits and underscores",
        ));
    }
    let language = setting(env, language_var).unwrap_or_else(|| "en".to_string());
    if !language
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_')
    {
        return Err(problem(
            language_var,
            "a language code such as en, hi or en_US",
        ));
    }
    Ok(Some((name, language)))
}

fn voice_settings(env: &dyn Env) -> Result<VoiceSettings, ConfigError> {
    let openai_key = secret(env, "OPENAI_API_KEY")?;
    let openai_base = setting(env, "OPENAI_BASE_URL");
    let deepgram_key = secret(env, "DEEPGRAM_API_KEY")?;
    let elevenlabs_key = secret(env, "ELEVENLABS_API_KEY")?;
    let elevenlabs_voice = setting(env, "ELEVENLABS_VOICE_ID");
    let base_of = |name: &str| -> Result<Option<String>, ConfigError> {
        match setting(env, name) {
            Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
                Err(problem(name, "must start with http:// or https://"))
            }
            other => Ok(other),
        }
    };
    let stt_choice = setting(env, "EXECORA_STT").unwrap_or_else(|| {
        if openai_key.is_some() {
            "openai".into()
        } else if deepgram_key.is_some() {
            "deepgram".into()
        } else {
            "off".into()
        }
    });
    let stt_model = setting(env, "EXECORA_STT_MODEL");
    let stt = match stt_choice.as_str() {
        "off" => None,
        "openai" => {
            let key = openai_key
                .clone()
                .ok_or_else(|| problem("EXECORA_STT", "openai needs OPENAI_API_KEY"))?;
            let base = base_of("EXECORA_STT_BASE_URL")?.or_else(|| openai_base.clone());
            let mut config = SttConfig::openai(key, base);
            if let (SttConfig::OpenAi { model, .. }, Some(chosen)) = (&mut config, &stt_model) {
                model.clone_from(chosen);
            }
            Some(config)
        }
        "deepgram" => {
            let key = deepgram_key
                .ok_or_else(|| problem("EXECORA_STT", "deepgram needs DEEPGRAM_API_KEY"))?;
            let mut config = SttConfig::deepgram(key);
            if let SttConfig::Deepgram {
                base_url, model, ..
            } = &mut config
            {
                *base_url = base_of("DEEPGRAM_BASE_URL")?;
                if let Some(chosen) = &stt_model {
                    model.clone_from(chosen);
                }
            }
            Some(config)
        }
        other => {
            return Err(problem(
                "EXECORA_STT",
                format!("'{other}' is not openai, deepgram or off"),
            ));
        }
    };
    let tts_choice = setting(env, "EXECORA_TTS").unwrap_or_else(|| {
        if openai_key.is_some() {
            "openai".into()
        } else if elevenlabs_key.is_some() && elevenlabs_voice.is_some() {
            "elevenlabs".into()
        } else {
            "off".into()
        }
    });
    let tts_model = setting(env, "EXECORA_TTS_MODEL");
    let tts = match tts_choice.as_str() {
        "off" => None,
        "openai" => {
            let key =
                openai_key.ok_or_else(|| problem("EXECORA_TTS", "openai needs OPENAI_API_KEY"))?;
            let base = base_of("EXECORA_TTS_BASE_URL")?.or(openai_base);
            let mut config = TtsConfig::openai(key, base);
            if let TtsConfig::OpenAi { model, voice, .. } = &mut config {
                if let Some(chosen) = &tts_model {
                    model.clone_from(chosen);
                }
                if let Some(chosen) = setting(env, "EXECORA_TTS_VOICE") {
                    *voice = chosen;
                }
            }
            Some(config)
        }
        "elevenlabs" => {
            let key = elevenlabs_key
                .ok_or_else(|| problem("EXECORA_TTS", "elevenlabs needs ELEVENLABS_API_KEY"))?;
            let voice = elevenlabs_voice
                .ok_or_else(|| problem("EXECORA_TTS", "elevenlabs needs ELEVENLABS_VOICE_ID"))?;
            let mut config = TtsConfig::elevenlabs(key, voice);
            if let TtsConfig::ElevenLabs {
                base_url, model_id, ..
            } = &mut config
            {
                *base_url = base_of("ELEVENLABS_BASE_URL")?;
                if let Some(chosen) = &tts_model {
                    model_id.clone_from(chosen);
                }
            }
            Some(config)
        }
        other => {
            return Err(problem(
                "EXECORA_TTS",
                format!("'{other}' is not openai, elevenlabs or off"),
            ));
        }
    };
    let language = setting(env, "EXECORA_SPEECH_LANGUAGE").unwrap_or_else(|| "hi".into());
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        return Err(problem(
            "EXECORA_SPEECH_LANGUAGE",
            "a two-letter language code such as hi or en",
        ));
    }
    let retention = number_in(env, "EXECORA_RECORDINGS_RETENTION_DAYS", 0..=3650, 90)?;
    Ok(VoiceSettings {
        stt,
        tts,
        language,
        max_seconds: number_in(env, "EXECORA_VOICE_MAX_SECONDS", 5..=900, 300)? as u32,
        timeout: Duration::from_millis(number_in(
            env,
            "EXECORA_SPEECH_TIMEOUT_MS",
            500..=120_000,
            20_000,
        )?),
        recordings_url: setting(env, "EXECORA_RECORDINGS_URL")
            .unwrap_or_else(|| "recordings".into()),
        // 0 means keep for ever.
        retention_days: (retention > 0).then_some(retention as u32),
    })
}

/// The webhook's secrets. `Debug` never shows them.
#[derive(Clone)]
pub struct WhatsappSettings {
    /// Signs webhook POSTs; without it the webhook refuses every POST.
    pub app_secret: Option<String>,
    /// The previous secret, accepted too while a rotation is under way.
    pub previous_app_secret: Option<String>,
    /// Answers Meta's GET verification.
    pub verify_token: Option<String>,
    /// Sends through the Graph API; without it replies stay in the sandbox outbox.
    pub access_token: Option<String>,
    pub phone_number_id: Option<String>,
    /// The WhatsApp Business Account that owns our message templates (`execora whatsapp templates`).
    pub business_account_id: Option<String>,
    /// Versioned Graph API base.
    pub api_base: String,
    /// Messages one phone may send in a minute before the rest are deferred to later minutes.
    pub messages_per_minute: u32,
    /// Tries an arriving message gets before it is given up on (`dead`, see `execora inbox --dead`).
    pub inbound_max_attempts: u32,
    /// Our business number's send throughput (Meta: 80 by default, 1,000 upgraded, 20 coexistence).
    pub messages_per_second: u32,
    /// An approved template (name, language) with one body parameter, sent when a reply falls
    /// outside the 24-hour window (error 131047).
    pub fallback_template: Option<(String, String)>,
    /// The approved authentication template (name, language) a login code is sent as when the
    /// 24-hour window is closed: the code as its body parameter and its copy-code button's.
    pub otp_template: Option<(String, String)>,
}

/// Meta's Graph API, pinned to a version (v25.0 is supported until 2028).
pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.facebook.com/v25.0";

impl std::fmt::Debug for WhatsappSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |s: &Option<String>| s.as_ref().map(|_| "***");
        f.debug_struct("WhatsappSettings")
            .field("app_secret", &shown(&self.app_secret))
            .field("previous_app_secret", &shown(&self.previous_app_secret))
            .field("verify_token", &shown(&self.verify_token))
            .field("access_token", &shown(&self.access_token))
            .field("phone_number_id", &self.phone_number_id)
            .field("business_account_id", &self.business_account_id)
            .field("api_base", &self.api_base)
            .field("messages_per_minute", &self.messages_per_minute)
            .field("inbound_max_attempts", &self.inbound_max_attempts)
            .field("messages_per_second", &self.messages_per_second)
            .field("fallback_template", &self.fallback_template)
            .field("otp_template", &self.otp_template)
            .finish()
    }
}

impl WhatsappSettings {
    /// No access token: nothing leaves the machine, replies wait in the outbox.
    pub fn sandbox(&self) -> bool {
        self.access_token.is_none() || self.phone_number_id.is_none()
    }
}

impl Config {
    pub fn from_env(env: &dyn Env) -> Result<Config, ConfigError> {
        let database_url =
            secret(env, "DATABASE_URL")?.unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(problem(
                "DATABASE_URL",
                "must start with sqlite:// or postgres://",
            ));
        }
        let default_inbound_concurrency = if database_url.starts_with("sqlite:") {
            crate::whatsapp::inbound::DEFAULT_CONCURRENCY
        } else {
            crate::whatsapp::inbound::DEFAULT_CONCURRENCY_POSTGRES
        };
        let host: IpAddr = match setting(env, "HOST") {
            Some(h) => h
                .parse()
                .map_err(|_| problem("HOST", format!("'{h}' is not an IP address")))?,
            None => IpAddr::from([127, 0, 0, 1]),
        };
        let port: u16 = match setting(env, "PORT") {
            Some(p) => p
                .parse()
                .map_err(|_| problem("PORT", format!("'{p}' is not a port number")))?,
            None => 3000,
        };
        let public_url =
            setting(env, "PUBLIC_URL").unwrap_or_else(|| format!("http://{host}:{port}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(problem("PUBLIC_URL", "must start with http:// or https://"));
        }
        let timezone =
            setting(env, "EXECORA_TIMEZONE").unwrap_or_else(|| DEFAULT_TIMEZONE.to_string());
        parse_zone(&timezone).map_err(|e| problem("EXECORA_TIMEZONE", e.to_string()))?;
        let auto_migrate = match setting(env, "EXECORA_AUTO_MIGRATE").as_deref() {
            None | Some("true" | "1" | "yes") => true,
            Some("false" | "0" | "no") => false,
            Some(other) => {
                return Err(problem(
                    "EXECORA_AUTO_MIGRATE",
                    format!("'{other}' is not true or false"),
                ));
            }
        };
        let shutdown_grace = std::time::Duration::from_secs(number_in(
            env,
            "EXECORA_SHUTDOWN_SECONDS",
            1..=600,
            20,
        )?);
        let metrics_port = match setting(env, "EXECORA_METRICS_PORT") {
            None => None,
            Some(p) => Some(p.parse().map_err(|_| {
                problem(
                    "EXECORA_METRICS_PORT",
                    format!("'{p}' is not a port number"),
                )
            })?),
        };
        let llm = match secret(env, "OPENAI_API_KEY")? {
            None => None,
            Some(api_key) => {
                let timeout_ms: u64 = match setting(env, "EXECORA_LLM_TIMEOUT_MS") {
                    Some(t) => t
                        .parse()
                        .ok()
                        .filter(|t| (100..=120_000).contains(t))
                        .ok_or_else(|| {
                            problem(
                                "EXECORA_LLM_TIMEOUT_MS",
                                "must be 100 to 120000 milliseconds",
                            )
                        })?,
                    None => 4000,
                };
                let base_url = setting(env, "OPENAI_BASE_URL");
                if base_url
                    .as_deref()
                    .is_some_and(|u| !(u.starts_with("http://") || u.starts_with("https://")))
                {
                    return Err(problem(
                        "OPENAI_BASE_URL",
                        "must start with http:// or https://",
                    ));
                }
                Some(LlmSettings {
                    api_key,
                    base_url,
                    model: setting(env, "EXECORA_LLM_MODEL")
                        .unwrap_or_else(|| "gpt-4o-mini".to_string()),
                    timeout: Duration::from_millis(timeout_ms),
                })
            }
        };
        let whatsapp = WhatsappSettings {
            app_secret: secret(env, "WHATSAPP_APP_SECRET")?,
            previous_app_secret: secret(env, "WHATSAPP_APP_SECRET_PREVIOUS")?,
            verify_token: secret(env, "WHATSAPP_VERIFY_TOKEN")?,
            access_token: secret(env, "WHATSAPP_ACCESS_TOKEN")?,
            phone_number_id: setting(env, "WHATSAPP_PHONE_NUMBER_ID"),
            business_account_id: setting(env, "WHATSAPP_BUSINESS_ACCOUNT_ID"),
            api_base: setting(env, "WHATSAPP_API_BASE")
                .unwrap_or_else(|| DEFAULT_GRAPH_API_BASE.to_string()),
            messages_per_minute: match setting(env, "EXECORA_MESSAGES_PER_MINUTE") {
                Some(n) => n
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| problem("EXECORA_MESSAGES_PER_MINUTE", "must be 1 to 1000"))?,
                None => 20,
            },
            inbound_max_attempts: match setting(env, "EXECORA_INBOUND_MAX_ATTEMPTS") {
                Some(n) => n
                    .parse()
                    .ok()
                    .filter(|n| (1..=100).contains(n))
                    .ok_or_else(|| problem("EXECORA_INBOUND_MAX_ATTEMPTS", "must be 1 to 100"))?,
                None => crate::whatsapp::inbound::DEFAULT_MAX_ATTEMPTS,
            },
            messages_per_second: match setting(env, "WHATSAPP_MESSAGES_PER_SECOND") {
                Some(n) => n
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| problem("WHATSAPP_MESSAGES_PER_SECOND", "must be 1 to 1000"))?,
                None => 80,
            },
            fallback_template: template_setting(
                env,
                "WHATSAPP_FALLBACK_TEMPLATE",
                "WHATSAPP_FALLBACK_TEMPLATE_LANGUAGE",
            )?,
            otp_template: template_setting(
                env,
                "WHATSAPP_OTP_TEMPLATE",
                "WHATSAPP_OTP_TEMPLATE_LANGUAGE",
            )?,
        };
        let open_signup = match setting(env, "EXECORA_SIGNUP").as_deref() {
            None | Some("closed") => false,
            Some("open") => true,
            Some(other) => {
                return Err(problem(
                    "EXECORA_SIGNUP",
                    format!("'{other}' is not open or closed"),
                ));
            }
        };
        let run_workers = match setting(env, "EXECORA_WORKERS").as_deref() {
            None | Some("on") => true,
            Some("off") => false,
            Some(other) => {
                return Err(problem(
                    "EXECORA_WORKERS",
                    format!("'{other}' is not on or off"),
                ));
            }
        };
        if !(whatsapp.api_base.starts_with("https://") || whatsapp.api_base.starts_with("http://"))
        {
            return Err(problem("WHATSAPP_API_BASE", "must start with https://"));
        }
        let message_retention = MessageRetention::days(
            u32::try_from(number_in(
                env,
                "EXECORA_MESSAGE_RETENTION_DAYS",
                0..=3650,
                180,
            )?)
            .unwrap_or(180),
        );
        Ok(Config {
            message_retention,
            database_url: DatabaseUrl(database_url),
            host,
            port,
            public_url,
            timezone,
            auto_migrate,
            shutdown_grace,
            metrics_port,
            llm,
            whatsapp,
            open_signup,
            voice: voice_settings(env)?,
            run_workers,
            reminder_concurrency: usize::try_from(number_in(
                env,
                "EXECORA_REMINDER_CONCURRENCY",
                1..=1000,
                64,
            )?)
            .unwrap_or(64),
            inbound_concurrency: usize::try_from(number_in(
                env,
                "EXECORA_INBOUND_CONCURRENCY",
                1..=64,
                default_inbound_concurrency as u64,
            )?)
            .unwrap_or(default_inbound_concurrency),
            reply_concurrency: usize::try_from(number_in(
                env,
                "EXECORA_REPLY_CONCURRENCY",
                1..=64,
                crate::whatsapp::outbound::DEFAULT_CONCURRENCY as u64,
            )?)
            .unwrap_or(crate::whatsapp::outbound::DEFAULT_CONCURRENCY),
            resend_unconfirmed_after: std::time::Duration::from_secs(number_in(
                env,
                "EXECORA_RESEND_UNCONFIRMED_AFTER",
                60..=86_400,
                600,
            )?),
            panel_secret: match secret(env, "EXECORA_PANEL_SECRET")? {
                None => None,
                Some(text) if text.chars().count() < execora_engine::access::MIN_SECRET_CHARS => {
                    return Err(problem(
                        "EXECORA_PANEL_SECRET",
                        "must be at least 32 characters (e.g. `openssl rand -hex 32`)",
                    ));
                }
                Some(text) => Some(PanelSecret(text)),
            },
            client_ip_header: match setting(env, "EXECORA_CLIENT_IP_HEADER") {
                None => None,
                Some(name)
                    if !name.is_empty()
                        && name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
                {
                    Some(name.to_ascii_lowercase())
                }
                Some(_) => {
                    return Err(problem(
                        "EXECORA_CLIENT_IP_HEADER",
                        "must be a header name such as Fly-Client-IP",
                    ));
                }
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn database_passwords_never_show_in_debug() {
        let config = Config::from_env(&env(&[(
            "DATABASE_URL",
            "postgres://bob:hunter2@db/books?sslpassword=k3y&application_name=execora",
        )]))
        .expect("valid");
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter2") && !shown.contains("k3y"),
            "{shown}"
        );
        assert!(
            shown.contains("postgres://bob:***@db/books?sslpassword=***"),
            "{shown}"
        );
        assert!(config.database_url.starts_with("postgres://bob:hunter2@"));
    }

    #[test]
    fn message_texts_are_kept_180_days_unless_told_and_0_keeps_them() {
        let defaults = Config::from_env(&env(&[])).expect("valid");
        assert_eq!(defaults.message_retention, MessageRetention::days(180));
        let week =
            Config::from_env(&env(&[("EXECORA_MESSAGE_RETENTION_DAYS", "7")])).expect("valid");
        assert_eq!(week.message_retention.cutoff(7 * 86_400_000), Some(0));
        let keep =
            Config::from_env(&env(&[("EXECORA_MESSAGE_RETENTION_DAYS", "0")])).expect("valid");
        assert!(keep.message_retention.keeps_forever());
        for bad in ["-1", "3651", "soon"] {
            assert!(
                Config::from_env(&env(&[("EXECORA_MESSAGE_RETENTION_DAYS", bad)])).is_err(),
                "{bad}"
            );
        }
    }

    /// The audit of the original Execora found secrets with defaults in its code: a default app
    /// secret, verify token or panel key is known to everyone who read the source. Here none
    /// has one: unset, each is absent, and what needs it is off (webhooks refused, sandbox, no
    /// model, a panel key drawn at random at start).
    #[test]
    fn no_secret_has_a_default_value() {
        let config = Config::from_env(&env(&[])).expect("defaults are valid");
        let whatsapp = &config.whatsapp;
        assert!(whatsapp.app_secret.is_none());
        assert!(whatsapp.previous_app_secret.is_none());
        assert!(whatsapp.verify_token.is_none());
        assert!(whatsapp.access_token.is_none());
        assert!(whatsapp.sandbox());
        assert!(config.llm.is_none());
        assert!(config.voice.stt.is_none() && config.voice.tts.is_none());
        assert!(config.panel_secret.is_none());
        // The only default is where the books live, which holds no credential.
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        // And each secret given is taken as given, never replaced by a built-in one.
        let given = Config::from_env(&env(&[
            ("WHATSAPP_APP_SECRET", "app-secret-given"),
            ("WHATSAPP_VERIFY_TOKEN", "verify-given"),
            ("EXECORA_PANEL_SECRET", &"p".repeat(32)),
        ]))
        .expect("valid");
        assert_eq!(
            given.whatsapp.app_secret.as_deref(),
            Some("app-secret-given")
        );
        assert_eq!(given.whatsapp.verify_token.as_deref(), Some("verify-given"));
        assert!(given.panel_secret.is_some());
    }

    #[test]
    fn defaults_run_on_the_embedded_database() {
        let config = Config::from_env(&env(&[])).expect("defaults are valid");
        assert_eq!(config.database_url, "sqlite://execora.db");
        assert_eq!(config.port, 3000);
        assert_eq!(config.public_url, "http://127.0.0.1:3000");
        assert_eq!(config.timezone, "Asia/Kolkata");
        assert!(config.auto_migrate);
        assert!(config.llm.is_none());
        assert!(config.voice.stt.is_none() && config.voice.tts.is_none());
        assert_eq!(config.voice.max_seconds, 300);
        assert_eq!(config.voice.retention_days, Some(90));
        assert!(!config.open_signup);
        assert!(config.run_workers);
        assert_eq!(config.whatsapp.inbound_max_attempts, 5);
        let three =
            Config::from_env(&env(&[("EXECORA_INBOUND_MAX_ATTEMPTS", "3")])).expect("valid");
        assert_eq!(three.whatsapp.inbound_max_attempts, 3);
    }

    #[test]
    fn speech_follows_the_keys_given_and_can_be_chosen() {
        let config = Config::from_env(&env(&[("OPENAI_API_KEY", "sk-test")])).expect("valid");
        assert!(matches!(config.voice.stt, Some(SttConfig::OpenAi { .. })));
        assert!(matches!(config.voice.tts, Some(TtsConfig::OpenAi { .. })));
        let config = Config::from_env(&env(&[
            ("DEEPGRAM_API_KEY", "dg"),
            ("ELEVENLABS_API_KEY", "el"),
            ("ELEVENLABS_VOICE_ID", "voice1"),
            ("EXECORA_STT_MODEL", "nova-2"),
        ]))
        .expect("valid");
        assert!(
            matches!(&config.voice.stt, Some(SttConfig::Deepgram { model, .. }) if model == "nova-2")
        );
        assert!(matches!(
            config.voice.tts,
            Some(TtsConfig::ElevenLabs { .. })
        ));
        let config = Config::from_env(&env(&[
            ("OPENAI_API_KEY", "sk-test"),
            ("EXECORA_TTS", "off"),
            ("EXECORA_RECORDINGS_RETENTION_DAYS", "0"),
        ]))
        .expect("valid");
        assert!(config.voice.tts.is_none());
        assert_eq!(config.voice.retention_days, None);
        assert!(
            !format!("{config:?}").contains("sk-test"),
            "keys never shown"
        );
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (pairs, variable) in [
            (vec![("PORT", "http")], "PORT"),
            (vec![("HOST", "localhost:3000")], "HOST"),
            (
                vec![("EXECORA_METRICS_PORT", "prometheus")],
                "EXECORA_METRICS_PORT",
            ),
            (
                vec![("EXECORA_SHUTDOWN_SECONDS", "0")],
                "EXECORA_SHUTDOWN_SECONDS",
            ),
            (vec![("DATABASE_URL", "mysql://x")], "DATABASE_URL"),
            (
                vec![("EXECORA_TIMEZONE", "India/Delhi")],
                "EXECORA_TIMEZONE",
            ),
            (
                vec![("OPENAI_API_KEY", "k"), ("EXECORA_LLM_TIMEOUT_MS", "0")],
                "EXECORA_LLM_TIMEOUT_MS",
            ),
            (
                vec![("OPENAI_API_KEY", "k"), ("OPENAI_API_KEY_FILE", "/x")],
                "OPENAI_API_KEY",
            ),
            (
                vec![("OPENAI_API_KEY_FILE", "/nonexistent/key")],
                "OPENAI_API_KEY_FILE",
            ),
            (
                vec![("EXECORA_MESSAGES_PER_MINUTE", "0")],
                "EXECORA_MESSAGES_PER_MINUTE",
            ),
            (
                vec![("EXECORA_INBOUND_MAX_ATTEMPTS", "0")],
                "EXECORA_INBOUND_MAX_ATTEMPTS",
            ),
            (
                vec![("WHATSAPP_MESSAGES_PER_SECOND", "5000")],
                "WHATSAPP_MESSAGES_PER_SECOND",
            ),
            (
                vec![("WHATSAPP_API_BASE", "graph.facebook.com")],
                "WHATSAPP_API_BASE",
            ),
            (vec![("EXECORA_SIGNUP", "yes")], "EXECORA_SIGNUP"),
            (vec![("EXECORA_STT", "whisper")], "EXECORA_STT"),
            (vec![("EXECORA_STT", "openai")], "EXECORA_STT"),
            (vec![("EXECORA_TTS", "elevenlabs")], "EXECORA_TTS"),
            (
                vec![("EXECORA_VOICE_MAX_SECONDS", "3600")],
                "EXECORA_VOICE_MAX_SECONDS",
            ),
            (
                vec![("EXECORA_SPEECH_LANGUAGE", "Hindi")],
                "EXECORA_SPEECH_LANGUAGE",
            ),
            (
                vec![("WHATSAPP_FALLBACK_TEMPLATE", "Reply Later")],
                "WHATSAPP_FALLBACK_TEMPLATE",
            ),
            (
                vec![
                    ("WHATSAPP_FALLBACK_TEMPLATE", "execora_reply"),
                    ("WHATSAPP_FALLBACK_TEMPLATE_LANGUAGE", "en-US"),
                ],
                "WHATSAPP_FALLBACK_TEMPLATE_LANGUAGE",
            ),
            (
                vec![("WHATSAPP_OTP_TEMPLATE", "Login-Code")],
                "WHATSAPP_OTP_TEMPLATE",
            ),
            (
                vec![("EXECORA_PANEL_SECRET", "too short")],
                "EXECORA_PANEL_SECRET",
            ),
            (
                vec![("EXECORA_CLIENT_IP_HEADER", "X Real IP")],
                "EXECORA_CLIENT_IP_HEADER",
            ),
            (
                vec![("EXECORA_REMINDER_CONCURRENCY", "0")],
                "EXECORA_REMINDER_CONCURRENCY",
            ),
            (
                vec![("EXECORA_REMINDER_CONCURRENCY", "5000")],
                "EXECORA_REMINDER_CONCURRENCY",
            ),
            (
                vec![("EXECORA_INBOUND_CONCURRENCY", "0")],
                "EXECORA_INBOUND_CONCURRENCY",
            ),
            (
                vec![("EXECORA_REPLY_CONCURRENCY", "65")],
                "EXECORA_REPLY_CONCURRENCY",
            ),
            (
                vec![("EXECORA_RESEND_UNCONFIRMED_AFTER", "59")],
                "EXECORA_RESEND_UNCONFIRMED_AFTER",
            ),
        ] {
            let error = Config::from_env(&env(&pairs)).expect_err("must be refused");
            assert_eq!(error.variable, variable, "{error}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("configuration error: {variable}:"))
            );
        }
    }

    #[test]
    fn the_panel_settings_are_read_and_the_secret_never_shown() {
        let secret = "0123456789abcdef0123456789abcdef";
        let config = Config::from_env(&env(&[
            ("WHATSAPP_OTP_TEMPLATE", "execora_login"),
            ("WHATSAPP_OTP_TEMPLATE_LANGUAGE", "en_US"),
            ("EXECORA_PANEL_SECRET", secret),
            ("EXECORA_CLIENT_IP_HEADER", "Fly-Client-IP"),
        ]))
        .expect("config");
        assert_eq!(
            config.whatsapp.otp_template,
            Some(("execora_login".to_string(), "en_US".to_string()))
        );
        assert_eq!(
            config.panel_secret.as_ref().map(|s| s.0.as_str()),
            Some(secret)
        );
        assert_eq!(config.client_ip_header.as_deref(), Some("fly-client-ip"));
        assert!(
            !format!("{config:?}").contains(secret),
            "the secret is never shown"
        );
        let defaults = Config::from_env(&env(&[])).expect("defaults");
        assert_eq!(defaults.reminder_concurrency, 64);
        let chosen =
            Config::from_env(&env(&[("EXECORA_REMINDER_CONCURRENCY", "8")])).expect("concurrency");
        assert_eq!(chosen.reminder_concurrency, 8);
        assert_eq!(defaults.inbound_concurrency, 32);
        let on_postgres =
            Config::from_env(&env(&[("DATABASE_URL", "postgres://db/execora")])).expect("postgres");
        assert_eq!(on_postgres.inbound_concurrency, 16);
        let lanes =
            Config::from_env(&env(&[("EXECORA_INBOUND_CONCURRENCY", "16")])).expect("lanes");
        assert_eq!(lanes.inbound_concurrency, 16);
        assert_eq!(defaults.reply_concurrency, 8);
        assert_eq!(
            defaults.resend_unconfirmed_after,
            std::time::Duration::from_secs(600)
        );
        let senders =
            Config::from_env(&env(&[("EXECORA_REPLY_CONCURRENCY", "32")])).expect("senders");
        assert_eq!(senders.reply_concurrency, 32);
        assert!(defaults.panel_secret.is_none());
        assert!(defaults.whatsapp.otp_template.is_none());
        assert!(defaults.client_ip_header.is_none());
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("key");
        std::fs::write(&path, "sk-test\n").expect("write");
        let config = Config::from_env(&env(&[(
            "OPENAI_API_KEY_FILE",
            path.to_str().unwrap_or_default(),
        )]))
        .expect("file secret");
        assert_eq!(config.llm.map(|l| l.api_key), Some("sk-test".to_string()));
    }
}
