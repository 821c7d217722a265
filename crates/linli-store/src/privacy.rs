//! Personal information at rest (PIPL, GB/T 35273): citizen ID numbers and phone numbers are
//! stored encrypted, and ID numbers get a blind index so they can be looked up exactly without
//! being readable.
//!
//! One 32-byte master key (from configuration) derives two keys: AES-256-GCM for the values,
//! HMAC-SHA-256 for the blind index. A stored value is `1 ‖ key id (4) ‖ nonce (12) ‖
//! ciphertext+tag`; the key id says which master key wrote it, so a rotation can tell old
//! values from new. The field name is authenticated data: a phone cannot be pasted into an
//! ID-number column.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use uuid::Uuid;

const VERSION: u8 = 1;

/// The encrypted columns, for rotation: (table, id column, value column, field, blind-index column).
pub(crate) const ENCRYPTED: [(&str, &str, &str, Field, Option<&str>); 9] = [
    ("app_user", "id", "phone_enc", Field::Phone, None),
    ("app_user", "id", "id_number_enc", Field::IdNumber, Some("id_number_idx")),
    ("organisation_member", "id", "phone_enc", Field::Phone, None),
    ("resident", "id", "phone_enc", Field::Phone, None),
    ("resident", "id", "document_enc", Field::IdNumber, Some("document_idx")),
    ("service_request", "work_item_id", "phone_enc", Field::Phone, Some("phone_idx")),
    // Notifications and bookings are encrypted with their work item's or their own id.
    ("outbox", "work_item_id", "recipient_enc", Field::Phone, None),
    ("appointment", "id", "phone_enc", Field::Phone, None),
    ("complaint", "work_item_id", "phone_enc", Field::Phone, None),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Phone,
    IdNumber,
}

impl Field {
    /// The authenticated data of a value: its field and its row, so a stored value cannot be
    /// moved to another column or another person's row.
    fn aad(self, row: &Uuid) -> Vec<u8> {
        let field: &[u8] = match self {
            Field::Phone => b"linli:phone:",
            Field::IdNumber => b"linli:id_number:",
        };
        [field, row.as_bytes()].concat()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("未配置加密密钥（key_file）/ no encryption key is configured")]
    Missing,
    #[error("加密密钥应为 32 字节的 base64 文本（{0}）/ the key must be 32 bytes of base64")]
    Malformed(String),
    #[error(
        "无法解密：数据由另一把密钥加密（密钥编号 {0}）。请检查 key_file 配置，或用 linli key rotate 完成轮换 / value written with another key"
    )]
    WrongKey(String),
    #[error("无法解密：数据已损坏 / stored value is damaged")]
    Damaged,
    #[error(
        "配置的密钥（编号 {configured}）不是这个数据库的密钥（编号 {database}）：请恢复原来的密钥文件，不要换用新密钥 / the configured key is not this database's key"
    )]
    NotThisDatabase { configured: String, database: String },
}

/// The keys derived from one master key.
#[derive(Clone)]
pub struct Keys {
    cipher: Aes256Gcm,
    index: Vec<u8>,
    id: [u8; 4],
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Keys(id {})", hex_id(&self.id))
    }
}

fn hex_id(id: &[u8]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn derive(master: &[u8], label: &[u8]) -> Vec<u8> {
    // HMAC as a key-derivation function: independent keys for independent jobs.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(master).unwrap_or_else(|_| unreachable_hmac());
    mac.update(label);
    mac.finalize().into_bytes().to_vec()
}

fn unreachable_hmac() -> Hmac<Sha256> {
    // HMAC accepts keys of any length; this cannot happen.
    panic!("HMAC rejected a key")
}

impl Keys {
    pub fn from_master(master: &[u8; 32]) -> Keys {
        let enc = derive(master, b"linli field encryption v1");
        let cipher = Aes256Gcm::new_from_slice(&enc).unwrap_or_else(|_| panic!("derived key has the wrong length"));
        let id_full = Sha256::digest(derive(master, b"linli key id v1"));
        Keys {
            cipher,
            index: derive(master, b"linli blind index v1"),
            id: [id_full[0], id_full[1], id_full[2], id_full[3]],
        }
    }

    /// Reads the base64 text form of a master key.
    pub fn from_base64(text: &str) -> Result<Keys, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| KeyError::Malformed(e.to_string()))?;
        let master: [u8; 32] =
            bytes.try_into().map_err(|b: Vec<u8>| KeyError::Malformed(format!("{} bytes", b.len())))?;
        Ok(Keys::from_master(&master))
    }

    /// A new random master key, as the base64 text to keep in the key file.
    pub fn generate() -> String {
        let mut master = [0u8; 32];
        if let Err(e) = getrandom::fill(&mut master) {
            panic!("operating system random source failed: {e}");
        }
        base64::engine::general_purpose::STANDARD.encode(master)
    }

    /// A short public fingerprint of the key, for logs and error messages.
    pub fn id(&self) -> String {
        hex_id(&self.id)
    }

    pub fn encrypt(&self, field: Field, row: &Uuid, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; 12];
        if let Err(e) = getrandom::fill(&mut nonce) {
            panic!("operating system random source failed: {e}");
        }
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: &field.aad(row) })
            .unwrap_or_else(|_| panic!("AES-GCM encryption cannot fail for in-memory data"));
        let mut out = Vec::with_capacity(1 + 4 + 12 + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&self.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, field: Field, row: &Uuid, stored: &[u8]) -> Result<String, KeyError> {
        if stored.len() < 1 + 4 + 12 + 16 || stored[0] != VERSION {
            return Err(KeyError::Damaged);
        }
        if stored[1..5] != self.id {
            return Err(KeyError::WrongKey(hex_id(&stored[1..5])));
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&stored[5..17]);
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), Payload { msg: &stored[17..], aad: &field.aad(row) })
            .map_err(|_| KeyError::Damaged)?;
        String::from_utf8(plain).map_err(|_| KeyError::Damaged)
    }

    /// Whether a stored value was written with this key.
    pub fn wrote(&self, stored: &[u8]) -> bool {
        stored.len() > 5 && stored[1..5] == self.id
    }

    /// The blind index of a normalised value: equal values give equal indexes, and without the
    /// key the index says nothing about the value.
    pub fn blind_index(&self, normalised: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.index).unwrap_or_else(|_| unreachable_hmac());
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
}

const FINGERPRINT: &str = "personal_data_key";

impl crate::Store {
    /// The fingerprint of the key personal data is encrypted with, once any key was bound.
    pub async fn key_fingerprint(&self) -> crate::StoreResult<Option<String>> {
        let v: Option<String> = on_db!(self, |pool| sqlx::query_scalar("SELECT value FROM setting WHERE name = $1")
            .bind(FINGERPRINT)
            .fetch_optional(pool)
            .await)?;
        Ok(v)
    }

    /// This store with `keys`, after checking them against the fingerprint recorded by the
    /// first key ever used (and recording it if this is the first). Another key is refused,
    /// so no value is ever written that the rest of the data's key cannot read.
    pub async fn bind_keys(self, keys: Keys) -> crate::StoreResult<crate::Store> {
        match self.key_fingerprint().await? {
            Some(id) if id != keys.id() => {
                return Err(KeyError::NotThisDatabase { configured: keys.id(), database: id }.into());
            }
            Some(_) => {}
            None => {
                let sql =
                    "INSERT INTO setting (name, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING";
                exec_db!(self, |pool| sqlx::query(sql)
                    .bind(FINGERPRINT)
                    .bind(keys.id())
                    .bind(crate::Ts(crate::now()))
                    .execute(pool)
                    .await)?;
            }
        }
        Ok(self.with_keys(keys))
    }

    /// Re-encrypts every personal field written with `old` under `new`, recomputes the blind
    /// indexes and records the new fingerprint, all in one transaction with its audit entry:
    /// either everything moves to the new key or nothing does, so a failed run is simply
    /// repeated. Returns the number of values rewritten.
    pub async fn rotate_keys(&self, actor: &crate::Actor, old: &Keys, new: &Keys) -> crate::StoreResult<usize> {
        use crate::audit::AuditTx;
        use crate::tx::WritePool;
        let entry = crate::audit::Entry::new(
            crate::audit::GLOBAL_CHAIN,
            "key.rotate",
            "key",
            new.id(),
            serde_json::json!({ "from": old.id(), "to": new.id() }),
        );
        let mut total = 0usize;
        let done: Result<(), crate::StoreError> = on_db!(self, |pool| async {
            let mut tx = pool.begin_write().await?;
            for (table, id_col, col, field, idx) in ENCRYPTED {
                let select = format!("SELECT {id_col}, {col} FROM {table} WHERE {col} IS NOT NULL");
                let rows: Vec<(uuid::Uuid, Vec<u8>)> =
                    sqlx::query_as(sqlx::AssertSqlSafe(select)).fetch_all(&mut *tx).await?;
                for (id, stored) in rows {
                    if new.wrote(&stored) {
                        continue;
                    }
                    let plain = old.decrypt(field, &id, &stored)?;
                    let update = match idx {
                        Some(idx) => format!("UPDATE {table} SET {col} = $2, {idx} = $3 WHERE {id_col} = $1"),
                        None => format!("UPDATE {table} SET {col} = $2 WHERE {id_col} = $1"),
                    };
                    let q = sqlx::query(sqlx::AssertSqlSafe(update)).bind(id).bind(new.encrypt(field, &id, &plain));
                    let q = if idx.is_some() { q.bind(new.blind_index(&plain)) } else { q };
                    q.execute(&mut *tx).await?;
                    total += 1;
                }
            }
            sqlx::query(
                "INSERT INTO setting (name, value, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            )
            .bind(FINGERPRINT)
            .bind(new.id())
            .bind(crate::Ts(crate::now()))
            .execute(&mut *tx)
            .await?;
            tx.append_audit(actor, &entry).await?;
            tx.commit().await?;
            Ok::<(), crate::StoreError>(())
        }
        .await);
        done?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_never_appear_in_clear() {
        let k = Keys::from_base64(&Keys::generate()).expect("key");
        let (row, other) = (Uuid::now_v7(), Uuid::now_v7());
        let stored = k.encrypt(Field::Phone, &row, "13812345678");
        assert!(!stored.windows(11).any(|w| w == b"13812345678"));
        assert_eq!(k.decrypt(Field::Phone, &row, &stored).expect("decrypt"), "13812345678");
        assert_ne!(stored, k.encrypt(Field::Phone, &row, "13812345678"), "a fresh nonce each time");
        assert!(matches!(k.decrypt(Field::IdNumber, &row, &stored), Err(KeyError::Damaged)), "bound to its field");
        assert!(matches!(k.decrypt(Field::Phone, &other, &stored), Err(KeyError::Damaged)), "bound to its row");
        let mut tampered = stored.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert!(matches!(k.decrypt(Field::Phone, &row, &tampered), Err(KeyError::Damaged)));
    }

    #[test]
    fn another_key_cannot_read_and_says_so() {
        let a = Keys::from_base64(&Keys::generate()).expect("key");
        let b = Keys::from_base64(&Keys::generate()).expect("key");
        let row = Uuid::now_v7();
        let stored = a.encrypt(Field::IdNumber, &row, "350102198001011234");
        assert!(a.wrote(&stored) && !b.wrote(&stored));
        assert!(matches!(b.decrypt(Field::IdNumber, &row, &stored), Err(KeyError::WrongKey(id)) if id == a.id()));
        assert_eq!(a.blind_index("X"), a.blind_index("X"));
        assert_ne!(a.blind_index("X"), b.blind_index("X"));
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(matches!(Keys::from_base64("not base64!"), Err(KeyError::Malformed(_))));
        assert!(matches!(Keys::from_base64("c2hvcnQ="), Err(KeyError::Malformed(m)) if m == "5 bytes"));
    }
}
