//! Media endpoints: upload for voice replies, lookup of a media id, and bounded download.

use bytes::Bytes;
use reqwest::header::AUTHORIZATION;
use reqwest::multipart::{Form, Part};
use reqwest::{Body, Url};
use serde::Deserialize;

use super::{
    GraphClient, GraphError, MediaInfo, ReadError, check_status, messages, read_limited,
    require_https, transport,
};

impl GraphClient {
    /// POST {base}/{phone_number_id}/media multipart (messaging_product=whatsapp, type=<mime>,
    /// file with filename and mime) → media id.
    ///
    /// Meta partly classifies uploads by the filename's extension, so it must match the bytes
    /// (e.g. `voice.ogg` for OGG/Opus), or the later send fails asynchronously with 131053.
    pub async fn upload_media(
        &self,
        bytes: Bytes,
        mime: &str,
        filename: &str,
    ) -> Result<String, GraphError> {
        if bytes.is_empty() {
            return Err(GraphError::Invalid("media to upload is empty".into()));
        }
        let filename_ok = !filename.trim().is_empty()
            && !filename
                .chars()
                .any(|c| c.is_control() || matches!(c, '/' | '\\' | '"'));
        if !filename_ok {
            return Err(GraphError::Invalid(
                "upload filename must be a plain file name".into(),
            ));
        }
        if mime.trim().is_empty() || mime.chars().any(|c| c.is_control()) {
            return Err(GraphError::Invalid("upload MIME type is invalid".into()));
        }
        let length = bytes.len() as u64;
        let file = Part::stream_with_length(Body::from(bytes), length)
            .file_name(filename.to_owned())
            .mime_str(mime)
            .map_err(|_| GraphError::Invalid(format!("upload MIME type {mime:?} is invalid")))?;
        let form = Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", mime.to_owned())
            .part("file", file);
        let url = format!(
            "{}/{}/media",
            self.inner.api_base, self.inner.phone_number_id
        );
        let response: UploadResponse = self
            .call_json(self.http.post(url).multipart(form), "upload_media")
            .await?;
        let id = response.id.into_string();
        tracing::debug!(media_id = %id, bytes = length, "media uploaded");
        Ok(id)
    }

    /// GET {base}/{media_id} → MediaInfo. Restricted to media of our phone number so an id
    /// from elsewhere in the business account is not silently accepted.
    pub async fn media_info(&self, media_id: &str) -> Result<MediaInfo, GraphError> {
        messages::check_path_id("media id", media_id)?;
        // Both ids passed check_path_id, so they need no escaping.
        let url = format!(
            "{}/{}?phone_number_id={}",
            self.inner.api_base, media_id, self.inner.phone_number_id
        );
        let request = self.http.get(url);
        let response: MediaInfoResponse = self.call_json(request, "media_info").await?;
        Ok(MediaInfo {
            url: response.url,
            mime_type: response.mime_type,
            sha256: response.sha256,
            // Meta documents the size as a string; a value we cannot read is just unknown.
            file_size: response
                .file_size
                .and_then(|size| size.into_string().parse().ok()),
        })
    }

    /// GET the media URL with the Bearer token, streaming and refusing more than `max_bytes`
    /// (GraphError::TooLarge) — never buffers more than the limit. A 404 usually means the
    /// five-minute URL expired: call `media_info` again for a fresh one.
    pub async fn download(&self, url: &str, max_bytes: u64) -> Result<Bytes, GraphError> {
        let parsed = Url::parse(url)
            .map_err(|e| GraphError::Invalid(format!("media URL is not a URL: {e}")))?;
        require_https(&parsed, "media URL")?;
        let response = self
            .http
            .get(parsed)
            .header(AUTHORIZATION, self.inner.auth.clone())
            .send()
            .await
            // The media URL is a short-lived capability; keep it out of error text and logs.
            .map_err(|e| transport(e.without_url()))?;
        let response = check_status(response).await?;
        match read_limited(response, max_bytes).await {
            Ok(bytes) => Ok(bytes),
            Err(ReadError::TooLarge) => Err(GraphError::TooLarge { limit: max_bytes }),
            Err(ReadError::Transport(e)) => Err(transport(e.without_url())),
        }
    }
}

#[derive(Deserialize)]
struct UploadResponse {
    id: StringOrNumber,
}

#[derive(Deserialize)]
struct MediaInfoResponse {
    url: String,
    mime_type: String,
    #[serde(default)]
    sha256: Option<String>,
    #[serde(default)]
    file_size: Option<StringOrNumber>,
}

/// Graph documents ids and sizes as strings; accepting numbers too costs nothing and
/// survives a format change.
#[derive(Deserialize)]
#[serde(untagged)]
enum StringOrNumber {
    String(String),
    Number(u64),
}

impl StringOrNumber {
    fn into_string(self) -> String {
        match self {
            StringOrNumber::String(s) => s,
            StringOrNumber::Number(n) => n.to_string(),
        }
    }
}
