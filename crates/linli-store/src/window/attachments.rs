//! Files handed in with a request: scans and photos of materials, from the resident online or
//! from the window. Kept in the database (small, and backed up with everything else); the type
//! is read from the file's first bytes, never from what the browser claims.

use linli_domain::workflow::Party;
use linli_domain::{Action, Invalid, Resource};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::stored_code;
use crate::{StoreError, StoreResult, Ts, now};

/// The largest file accepted, and how many one request may hold.
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_ATTACHMENTS: i64 = 10;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Attachment {
    pub id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// PDF, JPEG or PNG by their magic numbers; anything else is refused.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

/// A file name safe to show and to send back: the last path part, no control characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(80).collect();
    if cleaned.trim().is_empty() { "材料".to_owned() } else { cleaned }
}

impl Acting<'_> {
    /// Adds a file to an open request (its applicant, or staff who may move it).
    pub async fn attach(&self, request: Uuid, name: &str, bytes: &[u8]) -> StoreResult<Uuid> {
        let (work, _, party) = self.load_request(request).await?;
        let community = stored_code(&work.community_code)?;
        match party {
            Party::Applicant => self.check(Resource::Application, Action::Update, &community)?,
            _ => self.check(Resource::ServiceRequest, Action::Update, &community)?,
        }
        if !linli_domain::window::flow::OPEN.contains(&work.state.as_str()) {
            return Err(StoreError::Invalid(Invalid::one("file", "attach_closed")));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Invalid(Invalid(vec![
                linli_domain::FieldError::new("file", "attach_too_large").with("max", "5 MB"),
            ])));
        }
        let content_type = sniff(bytes).ok_or_else(|| Invalid::one("file", "attach_type"))?;
        let id = Uuid::now_v7();
        let name = clean_name(name);
        let sha = hex::encode(Sha256::digest(bytes));
        let entry = Entry::new(
            community.to_string(),
            "service_request.attach",
            "service_request",
            request.to_string(),
            json!({ "number": work.number, "file": name, "bytes": bytes.len(), "sha256": sha }),
        );
        let done = audited!(self, &entry, |tx| {
            // The limit is checked under the request's row lock (PostgreSQL; SQLite's write lock
            // serialises anyway), so two uploads at once cannot both pass it.
            sqlx::query("UPDATE work_item SET version = version WHERE id = $1").bind(request).execute(&mut *tx).await?;
            let added = sqlx::query(
                "INSERT INTO work_item_attachment (id, community_code, work_item_id, name, content_type, size, sha256, data, uploaded_by, at) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 \
                 WHERE (SELECT count(*) FROM work_item_attachment WHERE work_item_id = $3) < $11",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(request)
            .bind(&name)
            .bind(content_type)
            .bind(bytes.len() as i64)
            .bind(&sha)
            .bind(bytes)
            .bind(&self.actor.name)
            .bind(Ts(now()))
            .bind(MAX_ATTACHMENTS)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if added == 0 {
                return Err(sqlx::Error::RowNotFound);
            }
        });
        match done {
            Err(sqlx::Error::RowNotFound) => Err(StoreError::Invalid(Invalid(vec![
                linli_domain::FieldError::new("file", "attach_too_many").with("max", MAX_ATTACHMENTS),
            ]))),
            other => Ok(other.map(|()| id)?),
        }
    }

    /// The files of a request the viewer may see.
    pub async fn attachments(&self, request: Uuid) -> StoreResult<Vec<Attachment>> {
        self.load_request(request).await?;
        Ok(on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT id, name, content_type, size, uploaded_by, at FROM work_item_attachment WHERE work_item_id = $1 ORDER BY at"
        )
        .bind(request)
        .fetch_all(pool)
        .await
        })?)
    }

    /// One file with its bytes.
    pub async fn attachment(&self, request: Uuid, id: Uuid) -> StoreResult<(Attachment, Vec<u8>)> {
        self.load_request(request).await?;
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            a: Attachment,
            data: Vec<u8>,
        }
        let row: Option<Row> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT id, name, content_type, size, uploaded_by, at, data FROM work_item_attachment WHERE work_item_id = $1 AND id = $2"
        )
        .bind(request)
        .bind(id)
        .fetch_optional(pool)
        .await
        })?;
        let row = row.ok_or(StoreError::NotFound("attachment"))?;
        Ok((row.a, row.data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_first_bytes_and_names_are_cleaned() {
        assert_eq!(sniff(b"%PDF-1.7 ..."), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(clean_name("C:\\\\scans\\\\户口簿.jpg"), "户口簿.jpg");
        assert_eq!(clean_name("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_name("///"), "材料");
    }
}
