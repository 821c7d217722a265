//! A community's year at the window: service requests with a realistic mix of outcomes, the
//! 好差评 ratings of finished ones (bad ones rectified), and complaints. Every item is a
//! [`Track`] moved through its declared flow; deadlines come from the working-day calendar,
//! numbers from a per-day sequence shared by all kinds, as the app's are.

use std::collections::BTreeMap;

use linli_domain::oversight::complaint::REPLY_DAYS;
use linli_domain::oversight::{COMPLAINT, ComplaintInput, Level, RECTIFICATION, complaint_limit, rectification_limit};
use linli_domain::window::request::{RequestInput, request_number};
use linli_domain::window::{Channel, FieldKind, Material, SERVICE_REQUEST};
use linli_domain::workflow::{CHINA, Limit, Party, due_at};
use linli_domain::{Calendar, DivisionCode};
use serde_json::json;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::rng::Rng;
use super::track::{Start, Track, WORK_ITEM, WORK_ITEM_EVENT, Who};
use super::write::{Rows, Val};
use super::{GenError, codes};
use crate::Ts;
use crate::privacy::{Field, Keys};
use crate::window::ServiceItem;

/// Someone from the register who comes to the window.
#[derive(Debug, Clone)]
pub(crate) struct Applicant {
    pub name: String,
    pub phone: String,
    pub address: String,
}

/// Everything a community's year is made from.
pub(crate) struct Desk<'a> {
    pub community: DivisionCode,
    pub ordinal: u64,
    pub street: DivisionCode,
    pub cal: &'a Calendar,
    pub now: OffsetDateTime,
    pub items: &'a [ServiceItem],
    pub workers: &'a [Who],
    pub head: &'a Who,
    pub supervisor: &'a Who,
    pub applicants: &'a [Applicant],
    /// Residents with an account, who apply online.
    pub accounts: &'a [(Who, Applicant)],
    pub keys: &'a Keys,
}

/// The rows of one community's year, ready to write.
pub(crate) struct Year {
    pub items: Rows,
    pub events: Rows,
    pub requests: Rows,
    pub ratings: Rows,
    pub rectifications: Rows,
    pub complaints: Rows,
    pub sequences: Rows,
    pub counts: YearCounts,
    /// One line per item, for the run's checksum.
    pub digest: Vec<String>,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct YearCounts {
    pub requests: u64,
    pub open_requests: u64,
    pub events: u64,
    pub ratings: u64,
    pub rectifications: u64,
    pub complaints: u64,
}

const SYSTEM_RATER: &str = "居民（评价码）";
const ESCALATOR: &str = "超期自动升级";
const OFFICES: [&str; 5] = ["区民政局", "区残联", "区人社局", "区医保局", "街道社会事务办"];
const COMPLETED: [&str; 5] =
    ["已办结，结果已告知居民", "已办理完毕，证件已发放", "已审核通过并上报", "已上门办理完毕", "已办结，材料已归档"];
const DECLINED: [&str; 3] = ["不符合申请条件", "非本社区户籍，请到户籍所在地办理", "所需证明无法提供"];
const SUBJECTS: [&str; 6] = ["等候时间长", "材料要求不清楚", "工作人员态度", "办理进度慢", "多次往返", "回复不及时"];
const CONTENTS: [&str; 3] =
    ["来电反映情况，已登记。", "到窗口当面反映，已记录。", "反映办理过程中遇到的问题，希望改进。"];

fn at(day: Date, minutes: i64) -> OffsetDateTime {
    day.midnight().assume_offset(CHINA) + Duration::minutes(minutes)
}

fn office_hours(rng: &mut Rng) -> i64 {
    if rng.chance(0.5) { rng.range(8 * 60 + 30, 11 * 60 + 50) } else { rng.range(14 * 60 + 30, 17 * 60 + 20) }
}

impl Desk<'_> {
    /// An office-hours moment `working_days` after `after` (and always after it).
    fn later(&self, rng: &mut Rng, after: OffsetDateTime, working_days: u32) -> OffsetDateTime {
        let day = self.cal.add_working_days(after.to_offset(CHINA).date(), working_days);
        at(day, office_hours(rng)).max(after + Duration::minutes(rng.range(5, 90)))
    }

    /// [`Desk::later`] by between `lo` and `hi` working days.
    fn later_in(&self, rng: &mut Rng, after: OffsetDateTime, lo: u32, hi: u32) -> OffsetDateTime {
        let days = rng.range(lo.into(), hi.into()) as u32;
        self.later(rng, after, days)
    }

    /// Generates the year: `n` requests spread over the working days of the last 365 days.
    pub fn year(&self, rng: &mut Rng, n: usize) -> Result<Year, GenError> {
        let mut y = Year {
            items: Rows::new(WORK_ITEM),
            events: Rows::new(WORK_ITEM_EVENT),
            requests: Rows::new(
                "INSERT INTO service_request (work_item_id, community_code, item_id, item_name, time_limit_days, \
                 source, mode, applicant_name, phone_enc, phone_idx, applicant_user_id, address, description, \
                 field_values, missing, transfer_office, transfer_due_at, rating_code) ",
            ),
            ratings: Rows::new(
                "INSERT INTO rating (id, community_code, work_item_id, level, comment, channel, rater_user_id, \
                 recorded_by, created_at) ",
            ),
            rectifications: Rows::new(
                "INSERT INTO rectification (work_item_id, community_code, rating_id, request_id) ",
            ),
            complaints: Rows::new(
                "INSERT INTO complaint (work_item_id, community_code, channel, anonymous, complainant_name, \
                 phone_enc, user_id, subject, content, request_id, escalated_to, escalated_at) ",
            ),
            sequences: Rows::new("INSERT INTO work_item_sequence (community_code, day, last) "),
            counts: YearCounts::default(),
            digest: Vec::new(),
        };
        let mut seq: BTreeMap<Date, i64> = BTreeMap::new();
        let today = self.now.to_offset(CHINA).date();
        let days: Vec<(Date, u32)> = (0..365)
            .rev()
            .map(|back| today - Duration::days(back))
            .filter(|d| self.cal.is_working_day(*d))
            .map(|d| {
                // Busier in winter and before Spring Festival, quieter in the summer holidays.
                let w = match u8::from(d.month()) {
                    1 | 12 => 13,
                    7 | 8 => 8,
                    _ => 10,
                };
                (d, w)
            })
            .collect();
        let total: u32 = days.iter().map(|(_, w)| w).sum::<u32>().max(1);
        let mut made = 0usize;
        let mut acc = 0u64;
        let mut requests: Vec<(OffsetDateTime, Uuid)> = Vec::with_capacity(n);
        for (day, w) in &days {
            acc += u64::from(*w) * n as u64;
            let due_by_now = (acc / u64::from(total)) as usize;
            let mut times: Vec<i64> = (made..due_by_now).map(|_| office_hours(rng)).collect();
            times.sort_unstable();
            for minutes in times {
                let created = at(*day, minutes);
                if created > self.now {
                    continue;
                }
                let id = self.request(rng, &mut y, &mut seq, created)?;
                requests.push((created, id));
            }
            made = due_by_now;
        }
        // About one complaint for every 150 requests.
        for _ in 0..(n / 150).max(1) {
            let (day, _) = days[rng.below(days.len())];
            let created = at(day, office_hours(rng));
            if created > self.now {
                continue;
            }
            let before = requests.partition_point(|(t, _)| *t < created);
            let about = (before > 0 && rng.chance(0.4)).then(|| requests[rng.below(before)].1);
            self.complaint(rng, &mut y, &mut seq, created, about)?;
        }
        for (day, last) in seq {
            y.sequences.push([Val::Text(self.community.to_string()), Val::Text(day.to_string()), Val::Big(last)]);
        }
        Ok(y)
    }

    fn number(&self, seq: &mut BTreeMap<Date, i64>, at: OffsetDateTime) -> String {
        let day = at.to_offset(CHINA).date();
        let n = seq.entry(day).or_insert(0);
        *n += 1;
        request_number(&self.community, day, *n)
    }

    fn finish(&self, y: &mut Year, t: &Track) {
        t.rows(&mut y.items, &mut y.events);
        y.counts.events += t.events() as u64;
        y.digest.push(t.digest());
    }

    /// One service request from intake to wherever it has got by now; returns its id.
    fn request(
        &self,
        rng: &mut Rng,
        y: &mut Year,
        seq: &mut BTreeMap<Date, i64>,
        created: OffsetDateTime,
    ) -> Result<Uuid, GenError> {
        let item = &self.items[rng.below(self.items.len())];
        let limit = item.time_limit_days;
        let online = !self.accounts.is_empty() && item.accepts(Channel::Online) && rng.chance(0.13);
        let source = if online {
            "online"
        } else if rng.chance(0.14) {
            "phone"
        } else {
            "window"
        };
        let (applicant, user) = if online {
            let (who, a) = &self.accounts[rng.below(self.accounts.len())];
            (a.clone(), who.id.map(|id| (id, who.clone())))
        } else {
            (self.applicants[rng.below(self.applicants.len())].clone(), None)
        };
        let worker = &self.workers[rng.below(self.workers.len())];
        let materials = item.materials.len();
        let received: Vec<String> = if online || materials == 0 || rng.chance(0.8) {
            (0..materials).map(|i| i.to_string()).collect()
        } else {
            let keep = rng.below(materials);
            (0..materials).filter(|i| *i != keep && rng.chance(0.5)).map(|i| i.to_string()).collect()
        };
        let mut fields = BTreeMap::new();
        for f in &item.fields {
            let v = match f.kind {
                _ if !f.choices.is_empty() => f.choices[rng.below(f.choices.len())].clone(),
                FieldKind::Number => rng.range(1, 5).to_string(),
                FieldKind::Date => created.to_offset(CHINA).date().to_string(),
                _ => "见申请表".into(),
            };
            fields.insert(f.key.clone(), v);
        }
        let mode = rng.weighted(&[("", 90), ("home", 6), ("proxy", 4)]);
        let input = RequestInput {
            applicant_name: applicant.name.clone(),
            applicant_phone: applicant.phone.clone(),
            address: applicant.address.clone(),
            description: String::new(),
            mode: mode.into(),
            fields,
            received,
        };
        // The app's own validation of the form: values, phone, and what is missing.
        let f = input.validate(&item.fields, &item.materials).map_err(GenError::Invalid)?;
        let state = if online {
            "submitted"
        } else if f.missing.is_empty() {
            "in_progress"
        } else {
            "awaiting_materials"
        };
        let id = rng.uuid_at(created);
        let mut missing: Vec<Material> = if state == "awaiting_materials" { f.missing.clone() } else { Vec::new() };
        let names = |m: &[Material]| m.iter().map(|m| m.name.clone()).collect::<Vec<_>>();
        let by = user.as_ref().map_or(worker.clone(), |(_, w)| w.clone());
        let mut t = Track::new(
            &SERVICE_REQUEST,
            Start {
                id,
                event_id: rng.uuid_at(created),
                community: self.community.as_str(),
                number: self.number(seq, created),
                title: format!("{} · {}", item.name, f.applicant_name),
                state,
                at: created,
                by: &by,
                owner: (!online).then_some(worker),
                due: (state == "in_progress").then(|| due_at(self.cal, created, Limit::WorkingDays(limit))),
                details: json!({ "source": source, "mode": f.mode.as_str(), "missing": names(&missing) }).to_string(),
            },
        )
        .map_err(GenError::Move)?;
        let mut transfer: (String, Option<OffsetDateTime>) = (String::new(), None);
        let mut rating_code = None;
        let mut rating = None;
        let mut when = created;
        'flow: {
            // Intake of an online application, and materials handed in later.
            if state == "submitted" {
                when = self.later_in(rng, when, 0, 1);
                if when > self.now {
                    break 'flow;
                }
                match rng.weighted(&[("accept", 80), ("request_materials", 12), ("decline", 8)]) {
                    "request_materials" if !item.materials.is_empty() => {
                        let m = vec![item.materials[rng.below(item.materials.len())].clone()];
                        let d = json!({ "missing": names(&m) }).to_string();
                        t.step(rng.uuid_at(when), "request_materials", Party::Owner, worker, when, "", d)
                            .map_err(GenError::Move)?;
                        missing = m;
                    }
                    "decline" => {
                        let r = rng.pick(&DECLINED);
                        t.step(rng.uuid_at(when), "decline", Party::Owner, worker, when, r, "{}".into())
                            .map_err(GenError::Move)?;
                        t.closed = Some(when);
                        break 'flow;
                    }
                    _ => {}
                }
            }
            if t.state == "awaiting_materials" || t.state == "submitted" {
                if t.state == "awaiting_materials" {
                    when = self.later_in(rng, when, 1, 6);
                    if when > self.now {
                        break 'flow;
                    }
                    if let Some((_, who)) = &user {
                        t.step(rng.uuid_at(when), "supply_materials", Party::Applicant, who, when, "", "{}".into())
                            .map_err(GenError::Move)?;
                        when += Duration::minutes(rng.range(10, 240));
                        if when > self.now {
                            break 'flow;
                        }
                    }
                    match rng.weighted(&[("accept", 85), ("decline", 8), ("withdraw", 7)]) {
                        "decline" => {
                            let r = rng.pick(&DECLINED);
                            t.step(rng.uuid_at(when), "decline", Party::Owner, worker, when, r, "{}".into())
                                .map_err(GenError::Move)?;
                            t.closed = Some(when);
                            break 'flow;
                        }
                        "withdraw" => {
                            let r = "居民来电撤回申请";
                            t.step(rng.uuid_at(when), "withdraw", Party::Owner, worker, when, r, "{}".into())
                                .map_err(GenError::Move)?;
                            t.closed = Some(when);
                            break 'flow;
                        }
                        _ => {}
                    }
                }
                t.step(rng.uuid_at(when), "accept", Party::Owner, worker, when, "", "{}".into())
                    .map_err(GenError::Move)?;
                t.accepted = Some(when);
                t.due = Some(due_at(self.cal, when, Limit::WorkingDays(limit)));
                missing.clear();
            }
            let accepted = t.accepted.unwrap_or(created);
            if rng.chance(0.01) {
                when = self.later(rng, accepted, 1);
                if when <= self.now {
                    let r = "居民来电撤回申请";
                    t.step(rng.uuid_at(when), "withdraw", Party::Owner, worker, when, r, "{}".into())
                        .map_err(GenError::Move)?;
                    t.closed = Some(when);
                }
                break 'flow;
            }
            // Most finish within the limit; about one in fifteen a little late.
            let took =
                if rng.chance(0.065) { limit + rng.range(1, 3) as u32 } else { rng.range(0, limit.into()) as u32 };
            let done = self.later(rng, accepted, took);
            if limit >= 3 && rng.chance(0.08) {
                when = self.later(rng, accepted, 1);
                if when > self.now || when >= done {
                    break 'flow;
                }
                let office = rng.pick(&OFFICES);
                let d = json!({ "office": office, "office_days": 3 }).to_string();
                t.step(rng.uuid_at(when), "transfer", Party::Owner, worker, when, office, d).map_err(GenError::Move)?;
                transfer = (office.to_owned(), Some(due_at(self.cal, when, Limit::WorkingDays(3))));
                if rng.chance(0.3) {
                    when = self.later(rng, when, 1);
                    if when > self.now || when >= done {
                        break 'flow;
                    }
                    let r = format!("{office}已出具意见");
                    t.step(rng.uuid_at(when), "transfer_back", Party::Owner, worker, when, &r, "{}".into())
                        .map_err(GenError::Move)?;
                    transfer = (String::new(), None);
                }
            }
            when = done.max(when + Duration::minutes(10));
            if when > self.now {
                break 'flow;
            }
            let r = rng.pick(&COMPLETED);
            t.step(rng.uuid_at(when), "complete", Party::Owner, worker, when, r, "{}".into())
                .map_err(GenError::Move)?;
            t.closed = Some(when);
            rating_code = Some(codes::rating_code(self.ordinal, y.counts.requests));
            let closed = when;
            if rng.chance(0.15) {
                when = self.later_in(rng, closed, 1, 3);
                if when <= self.now {
                    let r = "电话回访，居民表示满意";
                    t.step(rng.uuid_at(when), "return_visit", Party::Owner, worker, when, r, "{}".into())
                        .map_err(GenError::Move)?;
                }
            }
            if rng.chance(0.6) {
                let rated = closed + Duration::minutes(rng.range(120, 72 * 60));
                if rated <= self.now {
                    rating = Some(rated);
                }
            }
            let archive = closed + Duration::days(rng.range(20, 40));
            if archive <= self.now && archive > when && rng.chance(0.7) {
                t.step(rng.uuid_at(archive), "archive", Party::Owner, worker, archive, "", "{}".into())
                    .map_err(GenError::Move)?;
            }
        }
        let phone = f.applicant_phone.as_ref().map_or("", |p| p.as_str());
        y.requests.push([
            Val::Id(id),
            Val::Text(self.community.to_string()),
            Val::Id(item.id),
            Val::Text(item.name.clone()),
            Val::Int(limit as i32),
            Val::Str(source),
            Val::Str(f.mode.as_str()),
            Val::Text(f.applicant_name.clone()),
            Val::Bytes(self.keys.encrypt(Field::Phone, &id, phone)),
            Val::Bytes(self.keys.blind_index(phone)),
            Val::OptId(user.as_ref().map(|(u, _)| *u)),
            Val::Text(f.address.clone()),
            Val::Text(String::new()),
            Val::Text(serde_json::to_string(&f.values).unwrap_or_else(|_| "[]".into())),
            Val::Text(serde_json::to_string(&missing).unwrap_or_else(|_| "[]".into())),
            Val::Text(transfer.0),
            Val::OptAt(transfer.1.map(Ts)),
            Val::OptText(rating_code),
        ]);
        y.counts.requests += 1;
        if linli_domain::window::flow::OPEN.contains(&t.state.as_str()) {
            y.counts.open_requests += 1;
        }
        if let Some(rated) = rating {
            let rater = user.as_ref().map(|(_, w)| w.clone());
            self.rating(rng, y, seq, &t, &item.name, rated, rater, worker)?;
        }
        self.finish(y, &t);
        Ok(id)
    }

    /// A rating of a finished request, and the rectification of a bad one.
    #[allow(clippy::too_many_arguments)]
    fn rating(
        &self,
        rng: &mut Rng,
        y: &mut Year,
        seq: &mut BTreeMap<Date, i64>,
        request: &Track,
        item_name: &str,
        rated: OffsetDateTime,
        account: Option<Who>,
        owner: &Who,
    ) -> Result<(), GenError> {
        let level = rng.weighted(&[
            (Level::VerySatisfied, 13),
            (Level::Satisfied, 10),
            (Level::Fair, 5),
            (Level::Dissatisfied, 1),
            (Level::VeryDissatisfied, 1),
        ]);
        // Staff record a rating at the window only for residents without an account, and
        // never about their own work.
        let colleague = self.workers.iter().find(|w| w.id != owner.id).unwrap_or(self.head);
        let (channel, by) = match &account {
            Some(who) => ("account", who.clone()),
            None if rng.chance(0.25) => ("window", colleague.clone()),
            None => ("code", Who { id: None, name: SYSTEM_RATER.into() }),
        };
        let id = rng.uuid_at(rated);
        y.ratings.push([
            Val::Id(id),
            Val::Text(self.community.to_string()),
            Val::Id(request.id),
            Val::Str(level.as_str()),
            Val::Text(String::new()),
            Val::Str(channel),
            Val::OptId(account.as_ref().and_then(|w| w.id)),
            Val::Text(by.name.clone()),
            Val::At(Ts(rated)),
        ]);
        y.counts.ratings += 1;
        if !level.is_bad() {
            return Ok(());
        }
        let rect = rng.uuid_at(rated);
        let mut t = Track::new(
            &RECTIFICATION,
            Start {
                id: rect,
                event_id: rng.uuid_at(rated),
                community: self.community.as_str(),
                number: self.number(seq, rated),
                title: format!("整改 · {item_name} · {}", request.number),
                state: "verifying",
                at: rated,
                by: &by,
                owner: None,
                due: rectification_limit("verifying").map(|l| due_at(self.cal, rated, l)),
                details: json!({ "rating": level.as_str(), "request": request.number }).to_string(),
            },
        )
        .map_err(GenError::Move)?;
        let steps: &[(&str, &str)] = if rng.chance(0.15) {
            &[("unfounded", "核实不属实，已向居民说明"), ("revisit", "回访居民，表示理解")]
        } else {
            &[
                ("verify", "核实属实，已约谈经办人"),
                ("rectify", "已整改，完善一次性告知"),
                ("revisit", "回访居民，表示认可"),
            ]
        };
        let mut when = rated;
        for (action, reason) in steps {
            when = self.later_in(rng, when, 1, 2);
            if when > self.now {
                break;
            }
            t.step(rng.uuid_at(when), action, Party::Owner, self.head, when, reason, "{}".into())
                .map_err(GenError::Move)?;
            if let Some(l) = rectification_limit(&t.state) {
                t.due = Some(due_at(self.cal, when, l));
            }
            if t.state == "closed" {
                t.closed = Some(when);
            }
        }
        y.rectifications.push([Val::Id(rect), Val::Text(self.community.to_string()), Val::Id(id), Val::Id(request.id)]);
        y.counts.rectifications += 1;
        self.finish(y, &t);
        Ok(())
    }

    /// A complaint, answered in time or escalated to the street office when the reply is late
    /// (as the server's housekeeping does), then closed on the complainant's verdict.
    fn complaint(
        &self,
        rng: &mut Rng,
        y: &mut Year,
        seq: &mut BTreeMap<Date, i64>,
        created: OffsetDateTime,
        about: Option<Uuid>,
    ) -> Result<(), GenError> {
        let who = &self.applicants[rng.below(self.applicants.len())];
        let channel = rng.weighted(&[("window", 35), ("phone", 45), ("anonymous", 20)]);
        let anonymous = channel == "anonymous";
        let input = ComplaintInput {
            channel: channel.into(),
            complainant_name: if anonymous { String::new() } else { who.name.clone() },
            phone: if anonymous || who.phone.is_empty() { String::new() } else { who.phone.clone() },
            subject: rng.pick(&SUBJECTS).into(),
            content: rng.pick(&CONTENTS).into(),
            request_number: String::new(),
        };
        let input = if !anonymous && input.phone.is_empty() {
            ComplaintInput { channel: "anonymous".into(), complainant_name: String::new(), ..input }
        } else {
            input
        };
        let f = input.validate().map_err(GenError::Invalid)?;
        let worker = &self.workers[rng.below(self.workers.len())];
        let id = rng.uuid_at(created);
        let reply_due = due_at(self.cal, created, Limit::WorkingDays(REPLY_DAYS));
        let mut t = Track::new(
            &COMPLAINT,
            Start {
                id,
                event_id: rng.uuid_at(created),
                community: self.community.as_str(),
                number: self.number(seq, created),
                title: format!("投诉 · {}", f.subject),
                state: "accepted",
                at: created,
                by: worker,
                owner: Some(worker),
                due: Some(reply_due),
                details: json!({ "channel": f.channel }).to_string(),
            },
        )
        .map_err(GenError::Move)?;
        let mut escalated: Option<OffsetDateTime> = None;
        let mut owner = worker.clone();
        let mut when = created;
        'flow: {
            let late = rng.chance(0.08);
            for (action, reason, days) in [("investigate", "", 0), ("handle", "经核实，情况基本属实", 1)] {
                when = self.later(rng, when, days);
                // Steps after the deadline would come after the automatic escalation.
                if when > self.now || when > reply_due {
                    break;
                }
                t.step(rng.uuid_at(when), action, Party::Owner, &owner, when, reason, "{}".into())
                    .map_err(GenError::Move)?;
            }
            let reply = if late { self.later(rng, reply_due, 1) } else { when.max(created) + Duration::hours(2) };
            let reply = if !late && reply > reply_due { reply_due - Duration::minutes(30) } else { reply };
            let reply = reply.max(when + Duration::minutes(5));
            if reply > reply_due {
                // Overdue: the server escalates it a minute after the deadline.
                let at = reply_due + Duration::minutes(1);
                if at > self.now {
                    break 'flow;
                }
                self.escalate(
                    rng,
                    &mut t,
                    at,
                    "escalate",
                    &Who { id: None, name: ESCALATOR.into() },
                    "答复超期，自动移交街道",
                )?;
                escalated = Some(at);
                owner = self.supervisor.clone();
                when = self.later_in(rng, at, 1, 4);
            } else {
                when = reply;
            }
            if when > self.now {
                break 'flow;
            }
            t.step(rng.uuid_at(when), "reply", Party::Owner, &owner, when, "已核实并向投诉人说明、致歉", "{}".into())
                .map_err(GenError::Move)?;
            t.due = complaint_limit("replied").map(|l| due_at(self.cal, when, l));
            let verdict = rng.weighted(&[("accept_reply", 85), ("reject_reply", 10), ("close", 5)]);
            let verdict = if verdict == "reject_reply" && escalated.is_some() { "accept_reply" } else { verdict };
            let at = match verdict {
                // Closing without a verdict is refused before the verdict's deadline.
                "close" => self.later(rng, t.due.unwrap_or(when), 1),
                _ => self.later_in(rng, when, 1, 3),
            };
            if at > self.now {
                break 'flow;
            }
            when = at;
            match verdict {
                "reject_reply" => {
                    self.escalate(rng, &mut t, when, "reject_reply", &owner, "投诉人对答复不满意")?;
                    escalated = Some(when);
                    owner = self.supervisor.clone();
                    when = self.later_in(rng, when, 1, 4);
                    if when > self.now {
                        break 'flow;
                    }
                    t.step(rng.uuid_at(when), "reply", Party::Owner, &owner, when, "街道复核并答复", "{}".into())
                        .map_err(GenError::Move)?;
                    t.due = complaint_limit("replied").map(|l| due_at(self.cal, when, l));
                    when = self.later(rng, when, 1);
                    if when > self.now {
                        break 'flow;
                    }
                    self.close(rng, &mut t, when, "accept_reply", &owner, "投诉人电话表示接受")?;
                }
                "close" => self.close(rng, &mut t, when, "close", &owner, "五个工作日内未表态，按期结案")?,
                _ => self.close(rng, &mut t, when, "accept_reply", &owner, "投诉人电话表示满意")?,
            }
        }
        let phone = f.phone.as_ref().map_or("", |p| p.as_str());
        y.complaints.push([
            Val::Id(id),
            Val::Text(self.community.to_string()),
            Val::Str(f.channel),
            Val::Bool(f.anonymous),
            Val::Text(f.complainant_name.clone()),
            Val::Bytes(self.keys.encrypt(Field::Phone, &id, phone)),
            Val::OptId(None),
            Val::Text(f.subject.clone()),
            Val::Text(f.content.clone()),
            Val::OptId(about),
            Val::OptText(escalated.map(|_| self.street.to_string())),
            Val::OptAt(escalated.map(Ts)),
        ]);
        y.counts.complaints += 1;
        self.finish(y, &t);
        Ok(())
    }

    /// Escalation (by the system or on a rejected reply): the street office owns it from here.
    fn escalate(
        &self,
        rng: &mut Rng,
        t: &mut Track,
        at: OffsetDateTime,
        action: &str,
        by: &Who,
        reason: &str,
    ) -> Result<(), GenError> {
        t.step(rng.uuid_at(at), action, Party::Owner, by, at, reason, "{}".into()).map_err(GenError::Move)?;
        t.owner = None;
        t.due = complaint_limit("escalated").map(|l| due_at(self.cal, at, l));
        Ok(())
    }

    fn close(
        &self,
        rng: &mut Rng,
        t: &mut Track,
        at: OffsetDateTime,
        action: &str,
        by: &Who,
        reason: &str,
    ) -> Result<(), GenError> {
        t.step(rng.uuid_at(at), action, Party::Owner, by, at, reason, "{}".into()).map_err(GenError::Move)?;
        t.closed = Some(at);
        Ok(())
    }
}
