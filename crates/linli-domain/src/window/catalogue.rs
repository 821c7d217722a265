//! 服务项目: a catalogue entry as the service guide prints it and the request form needs it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar::parse_date;
use crate::validation::{Checker, FieldError, Invalid, multiline, optional_text, text};

/// The standard's four groups of services (ch. 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 为民服务
    Welfare,
    /// 便民服务
    Convenience,
    /// 安民服务
    Safety,
    /// 其它服务
    Other,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Welfare, Category::Convenience, Category::Safety, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Welfare => "welfare",
            Category::Convenience => "convenience",
            Category::Safety => "safety",
            Category::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|c| c.as_str() == s || c.chinese() == s)
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Category::Welfare => "为民服务",
            Category::Convenience => "便民服务",
            Category::Safety => "安民服务",
            Category::Other => "其它服务",
        }
    }
}

/// How a resident can be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 窗口
    Window,
    /// 网上
    Online,
    /// 上门
    Home,
    /// 代办
    Proxy,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Window, Channel::Online, Channel::Home, Channel::Proxy];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Window => "window",
            Channel::Online => "online",
            Channel::Home => "home",
            Channel::Proxy => "proxy",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// 原件 / 复印件 / 原件和复印件.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialForm {
    Original,
    Copy,
    Both,
}

impl MaterialForm {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "original" | "原件" => Some(Self::Original),
            "copy" | "复印件" => Some(Self::Copy),
            "both" | "原件和复印件" | "原件及复印件" => Some(Self::Both),
            _ => None,
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Self::Original => "原件",
            Self::Copy => "复印件",
            Self::Both => "原件和复印件",
        }
    }
}

/// One required material (申请材料).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Material {
    pub name: String,
    pub form: MaterialForm,
    pub count: u8,
    #[serde(default)]
    pub note: String,
}

/// The type of an extra field on the request form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Choice,
}

impl FieldKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "text" | "文本" => Some(Self::Text),
            "number" | "数字" => Some(Self::Number),
            "date" | "日期" => Some(Self::Date),
            "choice" | "选择" => Some(Self::Choice),
            _ => None,
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Self::Text => "文本",
            Self::Number => "数字",
            Self::Date => "日期",
            Self::Choice => "选择",
        }
    }
}

/// An extra field the request form asks for (also an Open311 attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// Stable code: `f1`, `f2` … in the order first declared.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    #[serde(default)]
    pub choices: Vec<String>,
}

/// A catalogue entry as typed into the form or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemInput {
    pub code: String,
    pub name: String,
    pub category: String,
    pub subcategory: String,
    pub description: String,
    pub eligibility: String,
    /// One material per line: `名称 | 原件/复印件/原件和复印件 | 份数 | 备注`.
    pub materials: String,
    pub legal_basis: String,
    /// One step per line.
    pub steps: String,
    /// Working days; 0 is 即办.
    pub time_limit_days: String,
    pub fee: String,
    /// Channel codes, comma separated (`window,online`), or the form's checkboxes.
    pub channels: Vec<String>,
    pub post: String,
    /// One field per line: `名称 | 文本/数字/日期/选择 | 必填/选填 | 选项1、选项2`.
    pub fields: String,
    /// "1"/"on"/"true" to publish.
    pub published: String,
    pub effective_from: String,
    pub effective_to: String,
}

/// A checked catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemFields {
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
    pub effective_from: Option<Date>,
    pub effective_to: Option<Date>,
}

/// The longest time limit a community item may set (the longest statutory one is 60 days).
pub const MAX_LIMIT_DAYS: u32 = 60;

fn code(s: &str) -> Result<String, Invalid> {
    let v = text(s, 20)?;
    if v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(v.to_ascii_uppercase())
    } else {
        Err(Invalid::one("", "item_code"))
    }
}

fn lines(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l))
}

fn cells(line: &str) -> Vec<&str> {
    line.split(['|', '｜']).map(str::trim).collect()
}

/// Parses the materials text, one per line; errors name the line.
pub fn parse_materials(s: &str) -> Result<Vec<Material>, Invalid> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in lines(s) {
        let c = cells(line);
        let name = c.first().map(|v| text(v, 60));
        let form = match c.get(1).filter(|v| !v.is_empty()) {
            None => Some(MaterialForm::Original),
            Some(v) => MaterialForm::parse(v),
        };
        let count = match c.get(2).filter(|v| !v.is_empty()) {
            None => Some(1),
            Some(v) => v.parse::<u8>().ok().filter(|n| (1..=20).contains(n)),
        };
        let note = c.get(3..).map(|rest| rest.join(" ")).unwrap_or_default();
        match (name, form, count, optional_text(&note, 100)) {
            (Some(Ok(name)), Some(form), Some(count), Ok(note)) => out.push(Material { name, form, count, note }),
            _ => errors.push(FieldError::new("", "material_line").with("line", n)),
        }
    }
    if out.len() > 30 {
        errors.push(FieldError::new("", "too_many").with("max", 30));
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

/// Parses the extra-field text, one per line, numbering keys `f1`, `f2` … in order.
pub fn parse_fields(s: &str) -> Result<Vec<FormField>, Invalid> {
    let mut out: Vec<FormField> = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in lines(s) {
        let c = cells(line);
        let label = c.first().map(|v| text(v, 40));
        let kind = c.get(1).map_or(Some(FieldKind::Text), |v| FieldKind::parse(v));
        let required = match c.get(2).copied().unwrap_or("选填") {
            "必填" | "required" | "是" => Some(true),
            "选填" | "optional" | "否" | "" => Some(false),
            _ => None,
        };
        let choices: Vec<String> = c
            .get(3)
            .map(|v| v.split(['、', ',', '，']).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        match (label, kind, required) {
            (Some(Ok(label)), Some(kind), Some(required)) => {
                if kind == FieldKind::Choice && choices.len() < 2 {
                    errors.push(FieldError::new("", "field_choices").with("line", n));
                } else if out.iter().any(|f| f.label == label) {
                    errors.push(FieldError::new("", "field_duplicate").with("line", n));
                } else {
                    let key = format!("f{}", out.len() + 1);
                    out.push(FormField { key, label, kind, required, choices });
                }
            }
            _ => errors.push(FieldError::new("", "field_line").with("line", n)),
        }
    }
    if out.len() > 20 {
        errors.push(FieldError::new("", "too_many").with("max", 20));
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

/// The materials as the form's text again, for editing.
pub fn materials_text(m: &[Material]) -> String {
    m.iter()
        .map(|m| {
            let base = format!("{} | {} | {}", m.name, m.form.chinese(), m.count);
            if m.note.is_empty() { base } else { format!("{base} | {}", m.note) }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The extra fields as the form's text again, for editing.
pub fn fields_text(f: &[FormField]) -> String {
    f.iter()
        .map(|f| {
            let base = format!("{} | {} | {}", f.label, f.kind.chinese(), if f.required { "必填" } else { "选填" });
            if f.choices.is_empty() { base } else { format!("{base} | {}", f.choices.join("、")) }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn flag(s: &str) -> bool {
    matches!(s.trim(), "1" | "on" | "true" | "yes")
}

impl ItemInput {
    pub fn validate(&self) -> Result<ItemFields, Invalid> {
        let mut c = Checker::new();
        let code = c.take("code", code(&self.code));
        let name = c.take("name", text(&self.name, 60));
        let category = Category::parse(&self.category);
        if category.is_none() {
            c.push(FieldError::new("category", "choice"));
        }
        let subcategory = c.take("subcategory", optional_text(&self.subcategory, 30));
        let description = c.take("description", multiline(&self.description, 2000));
        let eligibility = c.take("eligibility", multiline(&self.eligibility, 1000));
        let materials = c.take("materials", parse_materials(&self.materials));
        let legal_basis = c.take("legal_basis", multiline(&self.legal_basis, 1000));
        let steps: Vec<String> = lines(&self.steps).map(|(_, l)| l.to_owned()).collect();
        if steps.iter().any(|s| s.chars().count() > 200) || steps.len() > 20 {
            c.push(FieldError::new("steps", "steps"));
        }
        let limit = match self.time_limit_days.trim() {
            "" | "即办" => Some(0),
            v => v.parse::<u32>().ok().filter(|d| *d <= MAX_LIMIT_DAYS),
        };
        if limit.is_none() {
            c.push(FieldError::new("time_limit_days", "time_limit").with("max", MAX_LIMIT_DAYS));
        }
        let fee = match self.fee.trim() {
            "" => Ok("免费".to_owned()),
            v => text(v, 60),
        };
        let fee = c.take("fee", fee);
        let mut channels: Vec<Channel> = Vec::new();
        for v in self.channels.iter().flat_map(|v| v.split(',')).filter(|v| !v.trim().is_empty()) {
            match Channel::parse(v) {
                Some(ch) if !channels.contains(&ch) => channels.push(ch),
                Some(_) => {}
                None => c.push(FieldError::new("channels", "choice")),
            }
        }
        channels.sort();
        if channels.is_empty() {
            c.push(FieldError::new("channels", "channels_required"));
        }
        let post = c.take("post", optional_text(&self.post, 40));
        let fields = c.take("fields", parse_fields(&self.fields));
        let from = optional_date(&mut c, "effective_from", &self.effective_from);
        let to = optional_date(&mut c, "effective_to", &self.effective_to);
        if let (Some(Some(f)), Some(Some(t))) = (from, to)
            && t < f
        {
            c.push(FieldError::new("effective_to", "date_order"));
        }
        c.finish()?;
        match (
            code,
            name,
            category,
            subcategory,
            description,
            eligibility,
            materials,
            legal_basis,
            limit,
            fee,
            post,
            fields,
            from,
            to,
        ) {
            (
                Some(code),
                Some(name),
                Some(category),
                Some(subcategory),
                Some(description),
                Some(eligibility),
                Some(materials),
                Some(legal_basis),
                Some(time_limit_days),
                Some(fee),
                Some(post),
                Some(fields),
                Some(effective_from),
                Some(effective_to),
            ) => Ok(ItemFields {
                code,
                name,
                category,
                subcategory,
                description,
                eligibility,
                materials,
                legal_basis,
                steps,
                time_limit_days,
                fee,
                channels,
                post,
                fields,
                published: flag(&self.published),
                effective_from,
                effective_to,
            }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

fn optional_date(c: &mut Checker, field: &str, s: &str) -> Option<Option<Date>> {
    match s.trim() {
        "" => Some(None),
        v => match parse_date(v) {
            Some(d) => Some(Some(d)),
            None => {
                c.push(FieldError::new(field, "date"));
                None
            }
        },
    }
}

/// `2026-03-01`, or the date of `2026-03-01T09:00:00+08:00`.
fn day_of(v: &str) -> Option<Date> {
    parse_date(v).or_else(|| v.split_once('T').and_then(|(d, _)| parse_date(d)))
}

/// Checks the values typed for an item's extra fields; errors point at `fields.<key>`.
/// Returns (key, label, value) for every field that has a value, in the item's order.
pub fn check_values(
    fields: &[FormField],
    values: &BTreeMap<String, String>,
) -> Result<Vec<(String, String, String)>, Invalid> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for f in fields {
        let field = format!("fields.{}", f.key);
        let v = values.get(&f.key).map(|v| v.trim()).unwrap_or("");
        if v.is_empty() {
            if f.required {
                errors.push(FieldError::new(field, "required"));
            }
            continue;
        }
        // A date may come as a W3C datetime (Open311 clients send those); its day is kept.
        let value = match f.kind {
            FieldKind::Date => day_of(v).map(|d| d.to_string()),
            FieldKind::Text => {
                Some(v.to_owned()).filter(|v| v.chars().count() <= 200 && !v.chars().any(char::is_control))
            }
            FieldKind::Number => Some(v.to_owned()).filter(|v| v.parse::<f64>().is_ok_and(f64::is_finite)),
            FieldKind::Choice => Some(v.to_owned()).filter(|v| f.choices.iter().any(|c| c == v)),
        };
        if let Some(value) = value {
            out.push((f.key.clone(), f.label.clone(), value));
        } else {
            let code = match f.kind {
                FieldKind::Text => "too_long",
                FieldKind::Number => "number",
                FieldKind::Date => "date",
                FieldKind::Choice => "choice",
            };
            errors.push(FieldError::new(field, code).with("max", 200));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(Invalid(errors)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ItemInput {
        ItemInput {
            code: "mz-001".into(),
            name: "高龄津贴申领".into(),
            category: "为民服务".into(),
            materials: "居民身份证 | 原件 | 1 | 核对后退还\n户口簿 | 复印件\n\n银行卡".into(),
            steps: "提交申请\n社区初审\n".into(),
            time_limit_days: "5".into(),
            channels: vec!["window,online".into(), "proxy".into()],
            fields: "与老人关系 | 选择 | 必填 | 本人、子女、其他\n联系地址".into(),
            published: "on".into(),
            ..ItemInput::default()
        }
    }

    #[test]
    fn a_catalogue_entry_is_checked_and_normalised() {
        let f = input().validate().expect("valid");
        assert_eq!(f.code, "MZ-001");
        assert_eq!(f.category, Category::Welfare);
        assert_eq!(f.materials.len(), 3);
        assert_eq!(
            f.materials[1],
            Material { name: "户口簿".into(), form: MaterialForm::Copy, count: 1, note: String::new() }
        );
        assert_eq!(f.steps, ["提交申请", "社区初审"]);
        assert_eq!(f.channels, [Channel::Window, Channel::Online, Channel::Proxy]);
        assert_eq!(f.fields[0].key, "f1");
        assert_eq!(f.fields[0].choices, ["本人", "子女", "其他"]);
        assert!(f.fields[0].required && !f.fields[1].required);
        assert_eq!(f.fee, "免费");
        assert!(f.published);
        // The text forms round-trip.
        assert_eq!(parse_materials(&materials_text(&f.materials)), Ok(f.materials.clone()));
        assert_eq!(parse_fields(&fields_text(&f.fields)), Ok(f.fields.clone()));
    }

    #[test]
    fn bad_entries_name_every_field_and_line() {
        let bad = ItemInput {
            code: "高龄".into(),
            category: "x".into(),
            materials: "身份证 | 原件\n户口簿 | 扫描件".into(),
            time_limit_days: "61".into(),
            channels: vec!["fax".into()],
            fields: "关系 | 选择 | 必填 | 本人".into(),
            effective_from: "2026-12-01".into(),
            effective_to: "2026-11-01".into(),
            ..ItemInput::default()
        };
        let e = bad.validate().expect_err("an invalid entry");
        let got: Vec<(&str, &str)> = e.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            got,
            [
                ("code", "item_code"),
                ("name", "required"),
                ("category", "choice"),
                ("materials", "material_line"),
                ("time_limit_days", "time_limit"),
                ("channels", "choice"),
                ("channels", "channels_required"),
                ("fields", "field_choices"),
                ("effective_to", "date_order"),
            ]
        );
        assert_eq!(e.0[3].params, [("line", "2".to_owned())]);
    }

    #[test]
    fn request_values_follow_the_item_fields() {
        let f = input().validate().expect("valid").fields;
        let mut v = BTreeMap::new();
        assert_eq!(check_values(&f, &v).expect_err("a missing field").0[0].field, "fields.f1");
        v.insert("f1".into(), "邻居".into());
        assert_eq!(check_values(&f, &v).expect_err("not one of the choices").0[0].code, "choice");
        v.insert("f1".into(), "子女".into());
        assert_eq!(check_values(&f, &v), Ok(vec![("f1".into(), "与老人关系".into(), "子女".into())]));
        let num = [FormField {
            key: "f1".into(),
            label: "人数".into(),
            kind: FieldKind::Number,
            required: true,
            choices: vec![],
        }];
        let v = BTreeMap::from([("f1".to_owned(), "three".to_owned())]);
        assert_eq!(check_values(&num, &v).expect_err("not a number").0[0].code, "number");
    }
}
