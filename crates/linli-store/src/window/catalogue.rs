//! The service catalogue: items owned by a node, adopted by communities, published as the
//! service guide.

use linli_domain::register::pinyin_of;
use linli_domain::window::{Category, Channel, FormField, ItemFields, Material};
use linli_domain::{Action, DivisionCode, Level, Resource};
use serde::Serialize;
use serde_json::json;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::acting::Acting;
use crate::audit::Entry;
use crate::node::{corrupt, stored_code};
use crate::{Store, StoreError, StoreResult, Ts, now};

/// A catalogue entry, as a community sees it when `service_window`/`adopted` are filled.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceItem {
    pub id: Uuid,
    pub node_code: DivisionCode,
    pub code: String,
    pub name: String,
    pub category: Category,
    pub subcategory: String,
    pub description: String,
    pub eligibility: String,
    pub materials: Vec<Material>,
    pub legal_basis: String,
    pub steps: Vec<String>,
    pub time_limit_days: u32,
    pub fee: String,
    pub channels: Vec<Channel>,
    pub post: String,
    pub fields: Vec<FormField>,
    pub published: bool,
    /// Shipped with linli as an example; the community should check it before relying on it.
    pub example: bool,
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub retired_at: Option<OffsetDateTime>,
    /// The window that handles it in the community asked about ("" when not adopted or unset).
    pub service_window: String,
    pub adopted: bool,
}

impl ServiceItem {
    /// Published, not retired, and within its effective dates on `day`.
    pub fn in_force(&self, day: Date) -> bool {
        self.published
            && self.retired_at.is_none()
            && self.effective_from.is_none_or(|f| f <= day)
            && self.effective_to.is_none_or(|t| day <= t)
    }

    pub fn accepts(&self, channel: Channel) -> bool {
        self.channels.contains(&channel)
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    id: Uuid,
    node_code: String,
    code: String,
    name: String,
    category: String,
    subcategory: String,
    description: String,
    eligibility: String,
    materials: String,
    legal_basis: String,
    steps: String,
    time_limit_days: i32,
    fee: String,
    channels: String,
    post: String,
    fields: String,
    published: bool,
    example: bool,
    effective_from: Option<Date>,
    effective_to: Option<Date>,
    retired_at: Option<OffsetDateTime>,
    service_window: Option<String>,
    adopted: Option<bool>,
}

/// The columns [`ItemRow`] reads, for `i` = service_item and `cs` = community_service.
macro_rules! item_columns {
    () => {
        "i.id, i.node_code, i.code, i.name, i.category, i.subcategory, i.description, i.eligibility, i.materials, \
         i.legal_basis, i.steps, i.time_limit_days, i.fee, i.channels, i.post, i.fields, i.published, i.example, \
         i.effective_from, i.effective_to, i.retired_at"
    };
}

impl TryFrom<ItemRow> for ServiceItem {
    type Error = StoreError;
    fn try_from(r: ItemRow) -> StoreResult<ServiceItem> {
        let bad = |what: &str| corrupt(what, &r.code);
        Ok(ServiceItem {
            id: r.id,
            node_code: stored_code(&r.node_code)?,
            category: Category::parse(&r.category).ok_or_else(|| bad("item category"))?,
            materials: serde_json::from_str(&r.materials).map_err(|_| bad("item materials"))?,
            steps: serde_json::from_str(&r.steps).map_err(|_| bad("item steps"))?,
            fields: serde_json::from_str(&r.fields).map_err(|_| bad("item fields"))?,
            channels: r.channels.split(',').filter_map(Channel::parse).collect(),
            time_limit_days: u32::try_from(r.time_limit_days).map_err(|_| bad("item time limit"))?,
            code: r.code,
            name: r.name,
            subcategory: r.subcategory,
            description: r.description,
            eligibility: r.eligibility,
            legal_basis: r.legal_basis,
            fee: r.fee,
            post: r.post,
            published: r.published,
            example: r.example,
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            retired_at: r.retired_at,
            service_window: r.service_window.unwrap_or_default(),
            adopted: r.adopted.unwrap_or(false),
        })
    }
}

fn rows(rows: Vec<ItemRow>) -> StoreResult<Vec<ServiceItem>> {
    rows.into_iter().map(ServiceItem::try_from).collect()
}

/// The codes of `community` and every node above it, nearest first.
fn lineage(community: DivisionCode) -> Vec<String> {
    let mut out = vec![community.as_str().to_owned()];
    let mut at = community.parent();
    while let Some(c) = at {
        out.push(c.as_str().to_owned());
        at = c.parent();
    }
    out
}

impl Store {
    /// A community's published service guide, for anyone (no sign-in): items adopted and in
    /// force today, matched on name, pinyin, initials or code when `q` is given.
    pub async fn service_guide(&self, community: DivisionCode, q: &str) -> StoreResult<Vec<ServiceItem>> {
        let q = q.trim().to_lowercase();
        let pattern = format!("%{}%", crate::like_escape(&q));
        let found: Vec<ItemRow> = on_db!(self, |pool| {
            sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", cs.service_window, TRUE AS adopted FROM community_service cs JOIN service_item i ON i.id = cs.item_id \
             WHERE cs.community_code = $1 AND i.published AND i.retired_at IS NULL \
             AND ($2 = '' OR i.name LIKE $3 ESCAPE '\\' OR i.pinyin LIKE $3 ESCAPE '\\' \
                  OR i.initials LIKE $3 ESCAPE '\\' OR lower(i.code) LIKE $3 ESCAPE '\\') \
             ORDER BY i.category, i.code"
        ))
        .bind(community.as_str())
        .bind(&q)
        .bind(&pattern)
        .fetch_all(pool)
        .await
        })?;
        let today = crate::today();
        Ok(rows(found)?.into_iter().filter(|i| i.in_force(today)).collect())
    }

    /// One item of a community's catalogue as the public sees it (published and in force).
    pub async fn guide_item(&self, community: DivisionCode, item: Uuid) -> StoreResult<ServiceItem> {
        let found = self.community_item(community, item).await?;
        if found.in_force(crate::today()) { Ok(found) } else { Err(StoreError::NotFound("service item")) }
    }

    /// An item by id, adopted or not (what a request taken earlier refers to).
    pub(crate) async fn item_by_id(&self, item: Uuid) -> StoreResult<ServiceItem> {
        let row: Option<ItemRow> = on_db!(self, |pool| sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", NULL AS service_window, NULL AS adopted FROM service_item i WHERE i.id = $1"
        ))
        .bind(item)
        .fetch_optional(pool)
        .await)?;
        row.ok_or(StoreError::NotFound("service item"))?.try_into()
    }

    /// An adopted item of a community, whatever its state (the store's own lookups).
    pub(crate) async fn community_item(&self, community: DivisionCode, item: Uuid) -> StoreResult<ServiceItem> {
        let row: Option<ItemRow> = on_db!(self, |pool| {
            sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", cs.service_window, TRUE AS adopted FROM community_service cs JOIN service_item i ON i.id = cs.item_id \
             WHERE cs.community_code = $1 AND i.id = $2"
        ))
        .bind(community.as_str())
        .bind(item)
        .fetch_optional(pool)
        .await
        })?;
        row.ok_or(StoreError::NotFound("service item"))?.try_into()
    }

    /// Items by their code in a community's catalogue (Open311 service codes).
    pub async fn item_by_code(&self, community: DivisionCode, code: &str) -> StoreResult<ServiceItem> {
        let row: Option<ItemRow> = on_db!(self, |pool| {
            sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", cs.service_window, TRUE AS adopted FROM community_service cs JOIN service_item i ON i.id = cs.item_id \
             WHERE cs.community_code = $1 AND i.code = $2 ORDER BY i.node_code DESC LIMIT 1"
        ))
        .bind(community.as_str())
        .bind(code.trim().to_ascii_uppercase())
        .fetch_optional(pool)
        .await
        })?;
        row.ok_or(StoreError::NotFound("service item"))?.try_into()
    }
}

impl Acting<'_> {
    /// The catalogue a community can use: its adopted items first, then the items of the nodes
    /// above it that it has not adopted (to adopt), drafts and retired items included.
    pub async fn catalogue(&self, community: DivisionCode) -> StoreResult<Vec<ServiceItem>> {
        self.community_for(Resource::Catalogue, Action::Read, community).await?;
        let lineage = lineage(community);
        let found: Vec<ItemRow> = on_db!(self.store, |pool| sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", cs.service_window, (cs.item_id IS NOT NULL) AS adopted FROM service_item i \
             LEFT JOIN community_service cs ON cs.item_id = i.id AND cs.community_code = $1 \
             WHERE i.node_code IN ($1, $2, $3, $4, $5) \
             ORDER BY (cs.item_id IS NULL), i.retired_at IS NOT NULL, i.category, i.code"
        ))
        .bind(lineage[0].as_str())
        .bind(lineage.get(1).cloned().unwrap_or_default())
        .bind(lineage.get(2).cloned().unwrap_or_default())
        .bind(lineage.get(3).cloned().unwrap_or_default())
        .bind(lineage.get(4).cloned().unwrap_or_default())
        .fetch_all(pool)
        .await)?;
        rows(found)
    }

    /// The items a node keeps itself (a street's or district's own catalogue).
    pub async fn node_items(&self, node: DivisionCode) -> StoreResult<Vec<ServiceItem>> {
        self.check(Resource::Catalogue, Action::Read, &node)?;
        let found: Vec<ItemRow> = on_db!(self.store, |pool| sqlx::query_as(concat!(
            "SELECT ",
            item_columns!(),
            ", NULL AS service_window, NULL AS adopted FROM service_item i WHERE i.node_code = $1 \
             ORDER BY i.retired_at IS NOT NULL, i.category, i.code"
        ))
        .bind(node.as_str())
        .fetch_all(pool)
        .await)?;
        rows(found)
    }

    /// One item, for staff who reach the community or the node that owns it.
    pub async fn service_item(&self, community: DivisionCode, item: Uuid) -> StoreResult<ServiceItem> {
        self.community_for(Resource::Catalogue, Action::Read, community).await?;
        let all = self.catalogue(community).await?;
        all.into_iter().find(|i| i.id == item).ok_or(StoreError::NotFound("service item"))
    }

    /// Adds an item to `node`'s catalogue; a community's own item is adopted at once.
    pub async fn create_item(&self, node: DivisionCode, f: &ItemFields, example: bool) -> StoreResult<Uuid> {
        self.check(Resource::Catalogue, Action::Create, &node)?;
        let level = self.store.node(node).await?.level;
        let id = Uuid::now_v7();
        let at = Ts(now());
        let entry = Entry::new(
            node.to_string(),
            "catalogue.create",
            "service_item",
            id.to_string(),
            json!({ "code": f.code, "name": f.name, "published": f.published }),
        );
        let (pinyin, initials) = pinyin_of(&f.name);
        let materials = serde_json::to_string(&f.materials).map_err(|e| corrupt("materials", &e.to_string()))?;
        let steps = serde_json::to_string(&f.steps).map_err(|e| corrupt("steps", &e.to_string()))?;
        let fields = serde_json::to_string(&f.fields).map_err(|e| corrupt("fields", &e.to_string()))?;
        let channels = f.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",");
        let community = (level == Level::Community).then(|| node.as_str().to_owned());
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "INSERT INTO service_item (id, node_code, code, name, pinyin, initials, category, subcategory, \
                 description, eligibility, materials, legal_basis, steps, time_limit_days, fee, channels, post, \
                 fields, published, example, effective_from, effective_to, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                 $21, $22, $23, $23)",
            )
            .bind(id)
            .bind(node.as_str())
            .bind(&f.code)
            .bind(&f.name)
            .bind(&pinyin)
            .bind(&initials)
            .bind(f.category.as_str())
            .bind(&f.subcategory)
            .bind(&f.description)
            .bind(&f.eligibility)
            .bind(&materials)
            .bind(&f.legal_basis)
            .bind(&steps)
            .bind(f.time_limit_days as i32)
            .bind(&f.fee)
            .bind(&channels)
            .bind(&f.post)
            .bind(&fields)
            .bind(f.published)
            .bind(example)
            .bind(f.effective_from)
            .bind(f.effective_to)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            if let Some(c) = &community {
                sqlx::query(
                    "INSERT INTO community_service (community_code, item_id, service_window, adopted_at) \
                     VALUES ($1, $2, '', $3)",
                )
                .bind(c)
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        });
        done.map_err(StoreError::unique("service item", "code"))?;
        Ok(id)
    }

    /// Rewrites an item (its owner node's staff only). Requests already taken keep the name
    /// and limit they were taken with.
    pub async fn update_item(&self, item: Uuid, f: &ItemFields) -> StoreResult<()> {
        let node = self.item_node(item).await?;
        self.check(Resource::Catalogue, Action::Update, &node)?;
        let (pinyin, initials) = pinyin_of(&f.name);
        let materials = serde_json::to_string(&f.materials).map_err(|e| corrupt("materials", &e.to_string()))?;
        let steps = serde_json::to_string(&f.steps).map_err(|e| corrupt("steps", &e.to_string()))?;
        let fields = serde_json::to_string(&f.fields).map_err(|e| corrupt("fields", &e.to_string()))?;
        let channels = f.channels.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(",");
        let entry = Entry::new(
            node.to_string(),
            "catalogue.update",
            "service_item",
            item.to_string(),
            json!({ "code": f.code, "name": f.name, "published": f.published, "time_limit_days": f.time_limit_days }),
        );
        let done = audited!(self, &entry, |tx| {
            sqlx::query(
                "UPDATE service_item SET code = $2, name = $3, pinyin = $4, initials = $5, category = $6, \
                 subcategory = $7, description = $8, eligibility = $9, materials = $10, legal_basis = $11, \
                 steps = $12, time_limit_days = $13, fee = $14, channels = $15, post = $16, fields = $17, \
                 published = $18, effective_from = $19, effective_to = $20, updated_at = $21, example = FALSE \
                 WHERE id = $1",
            )
            .bind(item)
            .bind(&f.code)
            .bind(&f.name)
            .bind(&pinyin)
            .bind(&initials)
            .bind(f.category.as_str())
            .bind(&f.subcategory)
            .bind(&f.description)
            .bind(&f.eligibility)
            .bind(&materials)
            .bind(&f.legal_basis)
            .bind(&steps)
            .bind(f.time_limit_days as i32)
            .bind(&f.fee)
            .bind(&channels)
            .bind(&f.post)
            .bind(&fields)
            .bind(f.published)
            .bind(f.effective_from)
            .bind(f.effective_to)
            .bind(Ts(now()))
            .execute(&mut *tx)
            .await?;
        });
        done.map_err(StoreError::unique("service item", "code"))
    }

    /// Retires (or reinstates) an item: it leaves the guide and takes no new requests.
    pub async fn retire_item(&self, item: Uuid, retired: bool) -> StoreResult<()> {
        let node = self.item_node(item).await?;
        self.check(Resource::Catalogue, Action::Delete, &node)?;
        let action = if retired { "catalogue.retire" } else { "catalogue.reinstate" };
        let entry = Entry::new(node.to_string(), action, "service_item", item.to_string(), json!({}));
        audited!(self, &entry, |tx| {
            sqlx::query("UPDATE service_item SET retired_at = $2, updated_at = $3 WHERE id = $1")
                .bind(item)
                .bind(retired.then(|| Ts(now())))
                .bind(Ts(now()))
                .execute(&mut *tx)
                .await?;
        })?;
        Ok(())
    }

    /// Adopts an item from a node above into the community's catalogue (or sets its window),
    /// or drops it (`adopt = false`) when the community no longer offers it.
    pub async fn adopt_item(&self, community: DivisionCode, item: Uuid, adopt: bool, window: &str) -> StoreResult<()> {
        self.community_for(Resource::Catalogue, Action::Update, community).await?;
        let node = self.item_node(item).await?;
        if !node.contains(&community) {
            return Err(StoreError::NotFound("service item"));
        }
        let window = linli_domain::validation::optional_text(window, 40).map_err(|e| e.at("service_window"))?;
        let action = if adopt { "catalogue.adopt" } else { "catalogue.drop" };
        let entry = Entry::new(
            community.to_string(),
            action,
            "service_item",
            item.to_string(),
            json!({ "service_window": window }),
        );
        if !adopt && node == community {
            return Err(StoreError::Invalid(linli_domain::Invalid::one("", "own_item_retire")));
        }
        if !adopt {
            let open: i64 = on_db!(self.store, |pool| sqlx::query_scalar(
                "SELECT count(*) FROM service_request r JOIN work_item w ON w.id = r.work_item_id \
                 WHERE r.community_code = $1 AND r.item_id = $2 \
                 AND w.state IN ('submitted', 'awaiting_materials', 'in_progress', 'transferred')"
            )
            .bind(community.as_str())
            .bind(item)
            .fetch_one(pool)
            .await)?;
            if open > 0 {
                return Err(StoreError::Invalid(linli_domain::Invalid(vec![
                    linli_domain::FieldError::new("", "item_has_open_requests").with("count", open),
                ])));
            }
        }
        audited!(self, &entry, |tx| {
            if adopt {
                sqlx::query(
                    "INSERT INTO community_service (community_code, item_id, service_window, adopted_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (community_code, item_id) DO UPDATE SET service_window = excluded.service_window",
                )
                .bind(community.as_str())
                .bind(item)
                .bind(&window)
                .bind(Ts(now()))
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query("DELETE FROM community_service WHERE community_code = $1 AND item_id = $2")
                    .bind(community.as_str())
                    .bind(item)
                    .execute(&mut *tx)
                    .await?;
            }
        })?;
        Ok(())
    }

    async fn item_node(&self, item: Uuid) -> StoreResult<DivisionCode> {
        let node: Option<String> =
            on_db!(self.store, |pool| sqlx::query_scalar("SELECT node_code FROM service_item WHERE id = $1")
                .bind(item)
                .fetch_optional(pool)
                .await)?;
        stored_code(&node.ok_or(StoreError::NotFound("service item"))?)
    }
}
