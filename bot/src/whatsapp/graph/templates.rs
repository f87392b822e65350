//! Message templates of a WhatsApp Business Account: creating them for review and reading their status.

use std::time::Duration;

use reqwest::header::HeaderValue;
use serde::Deserialize;
use serde_json::Value;

use super::{GraphError, call_json, connect, messages::check_path_id};

/// Pages of the template list followed at most: 100 templates a page is 5,000, far more than a
/// business keeps (Meta allows 250 per account unverified).
const MAX_PAGES: usize = 50;

/// The templates of one WhatsApp Business Account (WABA), reached with a token allowed to manage it.
pub struct TemplateAccount {
    http: reqwest::Client,
    api_base: String,
    account_id: String,
    auth: HeaderValue,
}

impl std::fmt::Debug for TemplateAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateAccount")
            .field("api_base", &self.api_base)
            .field("account_id", &self.account_id)
            .field("access_token", &"<redacted>")
            .finish()
    }
}

/// Meta took a template for review.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TemplateCreated {
    pub id: String,
    /// PENDING, or APPROVED at once for some utility templates, or REJECTED.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// One template (one name in one language) and where its review stands.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TemplateStatus {
    pub name: String,
    pub language: String,
    /// APPROVED, PENDING, REJECTED, PAUSED, DISABLED, IN_APPEAL …
    pub status: String,
    #[serde(default)]
    pub category: Option<String>,
    /// Why Meta refused it (NONE when it did not).
    #[serde(default)]
    pub rejected_reason: Option<String>,
}

#[derive(Deserialize)]
struct TemplatePage {
    #[serde(default)]
    data: Vec<TemplateStatus>,
    #[serde(default)]
    paging: Option<Paging>,
}

#[derive(Deserialize)]
struct Paging {
    #[serde(default)]
    cursors: Option<Cursors>,
    /// Present only when there is a further page.
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
struct Cursors {
    #[serde(default)]
    after: Option<String>,
}

impl TemplateAccount {
    /// `api_base` is the versioned Graph base, `account_id` the WABA id.
    pub fn new(
        api_base: &str,
        access_token: &str,
        account_id: &str,
        timeout: Duration,
    ) -> Result<TemplateAccount, GraphError> {
        let connection = connect(api_base, access_token, timeout)?;
        check_path_id("business account id", account_id)?;
        Ok(TemplateAccount {
            http: connection.http,
            api_base: connection.api_base,
            account_id: account_id.to_string(),
            auth: connection.auth,
        })
    }

    fn url(&self) -> String {
        format!("{}/{}/message_templates", self.api_base, self.account_id)
    }

    /// POST {base}/{waba_id}/message_templates with one template's definition, as Meta takes it.
    pub async fn create(&self, definition: &Value) -> Result<TemplateCreated, GraphError> {
        call_json(
            self.http.post(self.url()).json(definition),
            &self.auth,
            "create template",
        )
        .await
    }

    /// Every template of the account with its language and review status, following the pages.
    pub async fn list(&self) -> Result<Vec<TemplateStatus>, GraphError> {
        let mut all = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut query: Vec<(&str, &str)> = vec![
                ("fields", "name,language,status,category,rejected_reason"),
                ("limit", "100"),
            ];
            if let Some(cursor) = after.as_deref() {
                query.push(("after", cursor));
            }
            let page: TemplatePage = call_json(
                self.http.get(self.url()).query(&query),
                &self.auth,
                "list templates",
            )
            .await?;
            all.extend(page.data);
            after = page
                .paging
                .filter(|paging| paging.next.is_some())
                .and_then(|paging| paging.cursors)
                .and_then(|cursors| cursors.after);
            if after.is_none() {
                return Ok(all);
            }
        }
        Err(GraphError::Decode(format!(
            "list templates: more than {MAX_PAGES} pages"
        )))
    }
}
