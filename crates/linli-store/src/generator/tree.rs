//! The generated part of the administrative tree (福州市's districts other than the demo's
//! 台江区: streets of ten communities, districts of five streets), each district's catalogue
//! adopted by its communities, and the staff accounts that work there.

use linli_domain::window::defaults::default_catalogue;
use linli_domain::{DivisionCode, Role, Username};

use super::GenError;
use super::names;
use super::rng::Rng;
use super::track::Who;
use crate::user::NewUser;
use crate::{Acting, Actor, Store};

pub(crate) const COMMUNITIES_PER_STREET: usize = 10;
pub(crate) const STREETS_PER_DISTRICT: usize = 5;
pub(crate) const MAX_COMMUNITIES: usize = names::DISTRICTS.len() * STREETS_PER_DISTRICT * COMMUNITIES_PER_STREET;

/// One generated community and where it sits.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub code: DivisionCode,
    pub name: String,
    pub street: DivisionCode,
    pub district: DivisionCode,
    /// Unique per community across every generated tree (for rating codes and rng streams).
    pub ordinal: u64,
}

fn code(s: &str) -> Result<DivisionCode, GenError> {
    DivisionCode::parse(s).map_err(GenError::Invalid)
}

/// Nodes to create, parents first: (code, name).
pub(crate) type Nodes = Vec<(DivisionCode, String)>;

/// The nodes to create and the `n` communities.
pub(crate) fn layout(rng: &Rng, n: usize) -> Result<(Nodes, Vec<Place>), GenError> {
    if n == 0 || n > MAX_COMMUNITIES {
        return Err(GenError::Size(n));
    }
    let mut nodes = vec![(code("350000000000")?, "福建省".to_owned()), (code("350100000000")?, "福州市".to_owned())];
    let mut places = Vec::with_capacity(n);
    let mut names_rng = rng.fork(0x7472_6565);
    for i in 0..n {
        let (d, s, c) = (
            i / (STREETS_PER_DISTRICT * COMMUNITIES_PER_STREET),
            i / COMMUNITIES_PER_STREET % STREETS_PER_DISTRICT,
            i % COMMUNITIES_PER_STREET,
        );
        let (county, district_name) = names::DISTRICTS[d];
        let district = code(&format!("{county}000000"))?;
        let street = code(&format!("{county}{:03}000", s + 1))?;
        let community = code(&format!("{county}{:03}{:03}", s + 1, c + 1))?;
        if s == 0 && c == 0 {
            nodes.push((district, district_name.to_owned()));
        }
        if c == 0 {
            nodes.push((street, names::street(d * STREETS_PER_DISTRICT + s)));
        }
        let name = names::community(&mut names_rng, c);
        nodes.push((community, name.clone()));
        let ordinal = ((d as u64) << 20) | (((s + 1) as u64) << 10) | (c + 1) as u64;
        places.push(Place { code: community, name, street, district, ordinal });
    }
    Ok((nodes, places))
}

/// Creates the nodes that are not there yet (the province and city may be), as `linli gen`.
pub(crate) async fn create_nodes(acting: &Acting<'_>, nodes: &[(DivisionCode, String)]) -> Result<(), GenError> {
    for (code, name) in nodes {
        if acting.store.node(*code).await.is_err() {
            acting.create_node(*code, name).await?;
        }
    }
    Ok(())
}

/// The district's default catalogue (made once), adopted by each of its communities.
pub(crate) async fn catalogue(
    acting: &Acting<'_>,
    district: DivisionCode,
    communities: &[&Place],
) -> Result<(), GenError> {
    let mut items = acting.node_items(district).await?;
    if items.is_empty() {
        for input in default_catalogue() {
            let f = input.validate().map_err(GenError::Invalid)?;
            acting.create_item(district, &f, true).await?;
        }
        items = acting.node_items(district).await?;
    }
    for place in communities {
        for item in &items {
            acting.adopt_item(place.code, item.id, true, "综合受理窗口").await?;
        }
    }
    Ok(())
}

/// Makes accounts with one shared password hash (argon2id takes tens of milliseconds: once).
pub(crate) struct Accounts<'a> {
    pub store: &'a Store,
    pub hash: String,
}

impl Accounts<'_> {
    pub async fn add(&self, username: &str, name: &str, role: Role, node: DivisionCode) -> Result<Who, GenError> {
        let user = self
            .store
            .create_user(&NewUser {
                username: Username::parse(username).map_err(GenError::Invalid)?,
                display_name: name.to_owned(),
                role,
                node_code: node,
                password_hash: self.hash.clone(),
                must_change_password: false,
            })
            .await?;
        let actor = Actor::user(&user, None);
        Ok(Who { id: Some(user.id), name: actor.name })
    }

    /// A staff member with a generated name.
    pub async fn staff(&self, rng: &mut Rng, username: &str, role: Role, node: DivisionCode) -> Result<Who, GenError> {
        self.add(username, &names::person(rng), role, node).await
    }
}
