//! The organisations in a community (党组织, 居委会, 居务监督委员会, 服务站, 社会组织, 业委会, 物业,
//! 驻区单位), their responsibilities and their people. Members' phone numbers are personal
//! data: stored encrypted, shown masked, revealed only by an explicit, logged action.

use linli_domain::community::{MemberInput, OrganisationInput, OrganisationKind};
use linli_domain::ids::mask_phone;
use linli_domain::{Action, DivisionCode, Level, Resource};
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::{AuditTx, Entry};
use crate::node::{corrupt, stored_code};
use crate::privacy::Field;
use crate::tx::WritePool;
use crate::{StoreError, StoreResult, Ts, now};

#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub id: Uuid,
    pub community_code: DivisionCode,
    pub kind: OrganisationKind,
    pub name: String,
    pub responsibilities: String,
    pub retired: bool,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub post: String,
    /// `138****5678`, or empty when no phone is recorded.
    pub phone_masked: String,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    id: Uuid,
    community_code: String,
    kind: String,
    name: String,
    responsibilities: String,
    retired_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: Uuid,
    organisation_id: Uuid,
    name: String,
    post: String,
    phone_enc: Option<Vec<u8>>,
}

impl Acting<'_> {
    fn require_community(&self, node: &crate::node::Node) -> StoreResult<()> {
        if node.level == Level::Community { Ok(()) } else { Err(StoreError::NotFound("community")) }
    }

    /// The organisations of a community with their members, retired ones last.
    pub async fn organisations(&self, community: DivisionCode) -> StoreResult<Vec<Organisation>> {
        self.check(Resource::Organisation, Action::Read, &community)?;
        self.require_community(&self.store.node(community).await?)?;
        let rows: Vec<OrgRow> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, community_code, kind, name, responsibilities, retired_at FROM organisation \
             WHERE community_code = $1 ORDER BY retired_at IS NOT NULL, created_at"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let members: Vec<MemberRow> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, organisation_id, name, post, phone_enc FROM organisation_member \
             WHERE community_code = $1 ORDER BY created_at"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut o = self.org_from(r)?;
            for m in members.iter().filter(|m| m.organisation_id == o.id) {
                o.members.push(self.member_from(m)?);
            }
            out.push(o);
        }
        Ok(out)
    }

    fn org_from(&self, r: OrgRow) -> StoreResult<Organisation> {
        Ok(Organisation {
            id: r.id,
            community_code: stored_code(&r.community_code)?,
            kind: OrganisationKind::parse(&r.kind).ok_or_else(|| corrupt("organisation.kind", &r.kind))?,
            name: r.name,
            responsibilities: r.responsibilities,
            retired: r.retired_at.is_some(),
            members: Vec::new(),
        })
    }

    fn member_from(&self, m: &MemberRow) -> StoreResult<Member> {
        let phone_masked = match &m.phone_enc {
            Some(enc) => mask_phone(&self.store.keys()?.decrypt(Field::Phone, &m.id, enc)?),
            None => String::new(),
        };
        Ok(Member { id: m.id, name: m.name.clone(), post: m.post.clone(), phone_masked })
    }

    /// One organisation with its members. The right is checked before the lookup, so an
    /// actor without it cannot tell an existing organisation from a missing one.
    pub async fn organisation(&self, id: Uuid) -> StoreResult<Organisation> {
        self.check_right(Resource::Organisation, Action::Read)?;
        let org = self.load_organisation(id).await?;
        self.check(Resource::Organisation, Action::Read, &org.community_code)?;
        Ok(org)
    }

    /// An organisation for an operation whose own rights are checked by the caller.
    async fn load_organisation(&self, id: Uuid) -> StoreResult<Organisation> {
        let row: Option<OrgRow> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, community_code, kind, name, responsibilities, retired_at FROM organisation WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        let mut org = self.org_from(row.ok_or(StoreError::NotFound("organisation"))?)?;
        let members: Vec<MemberRow> = on_db!(self.store, |pool| {
            sqlx::query_as(
            "SELECT id, organisation_id, name, post, phone_enc FROM organisation_member WHERE organisation_id = $1 ORDER BY created_at"
        )
        .bind(id)
        .fetch_all(pool)
        .await
        })?;
        for m in &members {
            org.members.push(self.member_from(m)?);
        }
        Ok(org)
    }

    /// The organisation an update acts on: the right first, then the lookup, then the place.
    async fn organisation_to_change(&self, id: Uuid, action: Action) -> StoreResult<Organisation> {
        self.check_right(Resource::Organisation, action)?;
        let org = self.load_organisation(id).await?;
        self.check(Resource::Organisation, action, &org.community_code)?;
        Ok(org)
    }

    pub async fn create_organisation(
        &self,
        community: DivisionCode,
        input: &OrganisationInput,
    ) -> StoreResult<Organisation> {
        self.check(Resource::Organisation, Action::Create, &community).map_err(crate::node::not_found_is_forbidden)?;
        self.require_community(&self.store.node(community).await?)?;
        let f = input.validate()?;
        let id = Uuid::now_v7();
        let at = Ts(now());
        let entry = Entry::new(
            community.to_string(),
            "organisation.create",
            "organisation",
            id.to_string(),
            json!({ "kind": f.kind.as_str(), "name": f.name }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO organisation (id, community_code, kind, name, responsibilities, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(id)
            .bind(community.as_str())
            .bind(f.kind.as_str())
            .bind(&f.name)
            .bind(&f.responsibilities)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        });
        done?;
        self.load_organisation(id).await
    }

    pub async fn update_organisation(&self, id: Uuid, input: &OrganisationInput) -> StoreResult<Organisation> {
        let before = self.organisation_to_change(id, Action::Update).await?;
        let f = input.validate()?;
        let entry = Entry::new(
            before.community_code.to_string(),
            "organisation.update",
            "organisation",
            id.to_string(),
            json!({ "before": { "kind": before.kind.as_str(), "name": before.name }, "after": { "kind": f.kind.as_str(), "name": f.name } }),
        );
        let at = Ts(now());
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "UPDATE organisation SET kind = $2, name = $3, responsibilities = $4, updated_at = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(f.kind.as_str())
            .bind(&f.name)
            .bind(&f.responsibilities)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        });
        done?;
        self.load_organisation(id).await
    }

    /// Retires an organisation (or brings it back); its record and people stay for the history.
    pub async fn set_organisation_retired(&self, id: Uuid, retired: bool) -> StoreResult<Organisation> {
        let before = self.organisation_to_change(id, Action::Delete).await?;
        if before.retired == retired {
            return Ok(before);
        }
        let action = if retired { "organisation.retire" } else { "organisation.reinstate" };
        let entry = Entry::new(
            before.community_code.to_string(),
            action,
            "organisation",
            id.to_string(),
            json!({ "name": before.name }),
        );
        let at = Ts(now());
        let retired_at = retired.then_some(at);
        let done = audited!(self, &entry, |tx| {
            sqlx::query("UPDATE organisation SET retired_at = $2, updated_at = $3 WHERE id = $1")
                .bind(id)
                .bind(retired_at)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        });
        done?;
        self.load_organisation(id).await
    }

    pub async fn add_member(&self, organisation: Uuid, input: &MemberInput) -> StoreResult<Organisation> {
        let org = self.organisation_to_change(organisation, Action::Update).await?;
        let f = input.validate()?;
        let keys = self.store.keys()?;
        let id = Uuid::now_v7();
        let phone_enc = f.phone.as_ref().map(|p| keys.encrypt(Field::Phone, &id, p.as_str()));
        let entry = Entry::new(
            org.community_code.to_string(),
            "organisation.member_add",
            "organisation",
            organisation.to_string(),
            json!({ "member": f.name, "post": f.post, "phone": f.phone.as_ref().map(|p| p.masked()) }),
        );
        let at = Ts(now());
        let done: Result<(), sqlx::Error> = on_db!(self.store, |pool| {
            async {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO organisation_member (id, community_code, organisation_id, name, post, phone_enc, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(org.community_code.as_str())
            .bind(organisation)
            .bind(&f.name)
            .bind(&f.post)
            .bind(phone_enc)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            tx.append_audit(self.actor, &entry).await?;
            tx.commit().await
        }.await
        });
        done?;
        self.load_organisation(organisation).await
    }

    pub async fn remove_member(&self, member: Uuid) -> StoreResult<Organisation> {
        self.check_right(Resource::Organisation, Action::Update)?;
        let row: Option<MemberRow> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT id, organisation_id, name, post, phone_enc FROM organisation_member WHERE id = $1"
        )
        .bind(member)
        .fetch_optional(pool)
        .await)?;
        let row = row.ok_or(StoreError::NotFound("member"))?;
        let org = self.organisation_to_change(row.organisation_id, Action::Update).await?;
        let entry = Entry::new(
            org.community_code.to_string(),
            "organisation.member_remove",
            "organisation",
            org.id.to_string(),
            json!({ "member": row.name, "post": row.post }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query("DELETE FROM organisation_member WHERE id = $1").bind(member).execute(&mut *tx).await?;
        });
        done?;
        self.load_organisation(org.id).await
    }

    /// A member's whole phone number: checked, and logged as a reveal.
    pub async fn reveal_member_phone(&self, member: Uuid) -> StoreResult<String> {
        self.check_right(Resource::Phone, Action::Reveal)?;
        self.check_right(Resource::Organisation, Action::Read)?;
        let row: Option<(Uuid, Option<Vec<u8>>, String, String)> = on_db!(self.store, |pool| sqlx::query_as(
            "SELECT organisation_id, phone_enc, community_code, name FROM organisation_member WHERE id = $1"
        )
        .bind(member)
        .fetch_optional(pool)
        .await)?;
        let (org, enc, community, name) = row.ok_or(StoreError::NotFound("member"))?;
        let community = stored_code(&community)?;
        self.check(Resource::Organisation, Action::Read, &community)?;
        self.check(Resource::Phone, Action::Reveal, &community)?;
        let enc = enc.ok_or(StoreError::NotFound("phone"))?;
        let phone = self.store.keys()?.decrypt(Field::Phone, &member, &enc)?;
        let entry = Entry::new(
            community.to_string(),
            "phone.reveal",
            "organisation_member",
            member.to_string(),
            json!({ "organisation": org, "member": name }),
        );
        self.store.record(self.actor, &entry).await?;
        Ok(phone)
    }
}

impl Acting<'_> {
    /// The community a member's organisation belongs to, if the actor can see it.
    pub async fn member_community(&self, member: Uuid) -> StoreResult<Option<DivisionCode>> {
        self.check_right(Resource::Organisation, Action::Read)?;
        let code: Option<String> = on_db!(self.store, |pool| sqlx::query_scalar(
            "SELECT community_code FROM organisation_member WHERE id = $1"
        )
        .bind(member)
        .fetch_optional(pool)
        .await)?;
        let Some(code) = code else { return Ok(None) };
        let code = stored_code(&code)?;
        self.check(Resource::Organisation, Action::Read, &code)?;
        Ok(Some(code))
    }
}
