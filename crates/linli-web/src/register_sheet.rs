//! The register's workbook (人口台账): the template's columns, reading a filled-in file into
//! import rows, the error workbook (the file as sent, plus a reason column), and exports.
//!
//! Headers are matched by name, not position, with the names communities already use
//! (身份证号 for 证件号码 …), so last year's workbook imports without rearranging columns.

use std::collections::HashMap;

use linli_domain::FieldError;
use linli_domain::register::ResidentInput;
use linli_store::register::{ExportRow, ImportRow, RowProblem};

use crate::i18n::{self, Lang};
use crate::spreadsheet::{self, Column, Sheet, SheetError, unneutralise};

/// (field, template header, other headers people use, required, width).
const COLUMNS: [(&str, &str, &[&str], bool, f64); 19] = [
    ("building", "楼栋", &["楼号", "楼栋名称", "小区楼栋"], true, 16.0),
    ("unit", "单元", &["单元号"], false, 6.0),
    ("room", "房号", &["门牌号", "房间号", "室"], true, 8.0),
    ("grid", "网格", &["所属网格", "网格名称", "网格编号"], false, 10.0),
    ("name", "姓名", &[], true, 10.0),
    ("relation", "与户主关系", &["关系", "与户主的关系"], true, 10.0),
    ("gender", "性别", &[], false, 6.0),
    ("document_kind", "证件类型", &[], false, 12.0),
    ("document_number", "证件号码", &["身份证号", "身份证号码", "公民身份号码", "证件号"], true, 22.0),
    ("birth_date", "出生日期", &["出生年月日"], false, 12.0),
    ("ethnicity", "民族", &[], false, 8.0),
    ("phone", "手机号", &["联系电话", "电话", "手机", "手机号码"], false, 14.0),
    ("residence_type", "户籍类型", &["户籍性质", "人口类型", "户口性质"], true, 10.0),
    ("employment", "就业状况", &["就业情况"], false, 10.0),
    ("tags", "人员类别", &["类别", "重点人群", "人员类型"], false, 18.0),
    ("disability_kind", "残疾类别", &["残疾类型"], false, 10.0),
    ("disability_grade", "残疾等级", &[], false, 8.0),
    ("custom_tags", "其他标签", &["自定义标签", "标签"], false, 14.0),
    ("note", "备注", &[], false, 24.0),
];

/// The header of the reason column in an error workbook.
const REASON: &str = "错误原因";

/// The template's columns.
pub fn template_columns() -> Vec<Column<'static>> {
    COLUMNS.iter().map(|c| Column { header: c.1, width: c.4 }).collect()
}

/// (header, required) of the template's columns, for the help beside the upload form.
pub fn template_columns_required() -> Vec<(&'static str, bool)> {
    COLUMNS.iter().map(|c| (c.1, c.3)).collect()
}

/// The template: headers and two example rows (which the user replaces).
pub fn template() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let examples = [
        [
            "榕华花园1号楼",
            "1",
            "302",
            "0101",
            "张三",
            "户主",
            "男",
            "居民身份证",
            "350103195803070019",
            "",
            "汉族",
            "13800000000",
            "户籍",
            "离退休",
            "空巢老人",
            "",
            "",
            "",
            "示例行，导入前请删除",
        ],
        [
            "榕华花园1号楼",
            "1",
            "302",
            "0101",
            "李四",
            "配偶",
            "女",
            "居民身份证",
            "350103196002140026",
            "",
            "汉族",
            "",
            "户籍",
            "离退休",
            "残疾人",
            "肢体",
            "三级",
            "",
            "示例行，导入前请删除",
        ],
    ];
    let rows = examples.iter().map(|r| r.iter().map(|c| (*c).to_owned()).collect());
    spreadsheet::write("人口台账", &template_columns(), rows)
}

/// A file read for import: its rows for the store, and what stops it before the store looks.
#[derive(Debug, Default)]
pub struct ReadFile {
    pub rows: Vec<ImportRow>,
    /// Rows with cells no rule can check (an ID number Excel stored as a number).
    pub problems: Vec<RowProblem>,
    /// Headers that match no column, shown in the preview so nothing is dropped unnoticed.
    pub ignored: Vec<String>,
    pub sheet: Sheet,
    /// The first rows, for the preview (the rows themselves go to the store).
    pub sample: Vec<ImportRow>,
    /// Index of the header row in `sheet.rows`.
    pub header_row: usize,
}

/// Why a file cannot be read at all (one message for the whole file).
#[derive(Debug, Clone, PartialEq)]
pub enum FileProblem {
    Sheet(SheetError),
    /// Required headers not found; their names.
    MissingColumns(Vec<&'static str>),
}

impl FileProblem {
    pub fn error(&self) -> FieldError {
        match self {
            FileProblem::Sheet(SheetError::Empty) => FieldError::new("file", "import_empty"),
            FileProblem::Sheet(SheetError::TooManyRows) => {
                FieldError::new("file", "import_too_many_rows").with("max", spreadsheet::MAX_ROWS)
            }
            FileProblem::Sheet(SheetError::Unreadable(_)) => FieldError::new("file", "import_unreadable"),
            FileProblem::MissingColumns(c) => {
                FieldError::new("file", "import_missing_columns").with("columns", c.join("、"))
            }
        }
    }
}

fn normalise_header(h: &str) -> String {
    h.chars().filter(|c| !c.is_whitespace() && !matches!(c, '*' | '＊' | '（' | '）' | '(' | ')')).collect()
}

/// Which field a header names, if any.
fn field_of(header: &str) -> Option<&'static str> {
    let h = normalise_header(header);
    COLUMNS.iter().find(|c| c.1 == h || c.2.contains(&h.as_str())).map(|c| c.0)
}

/// Reads a file into import rows. Blank rows are skipped; row numbers are those Excel shows.
pub fn read(bytes: &[u8]) -> Result<ReadFile, FileProblem> {
    let sheet = spreadsheet::read(bytes).map_err(FileProblem::Sheet)?;
    // A title row or two above the header is common: the header is the first row naming 姓名.
    let header_row = sheet
        .rows
        .iter()
        .take(10)
        .position(|r| r.iter().any(|c| field_of(c) == Some("name")))
        .ok_or_else(|| FileProblem::MissingColumns(vec!["姓名"]))?;
    let header = &sheet.rows[header_row];
    let mut index: HashMap<&'static str, usize> = HashMap::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        match field_of(h) {
            Some(f) => {
                index.entry(f).or_insert(i);
            }
            None if !h.is_empty() && h != REASON => ignored.push(h.clone()),
            None => {}
        }
    }
    let missing: Vec<&'static str> = COLUMNS.iter().filter(|c| c.3 && !index.contains_key(c.0)).map(|c| c.1).collect();
    if !missing.is_empty() {
        return Err(FileProblem::MissingColumns(missing));
    }
    let mut file = ReadFile { ignored, header_row, ..Default::default() };
    for (i, cells) in sheet.rows.iter().enumerate().skip(header_row + 1) {
        let get = |field: &str| -> String {
            index.get(field).and_then(|c| cells.get(*c)).map(|v| unneutralise(v).to_owned()).unwrap_or_default()
        };
        if index.values().all(|c| cells.get(*c).is_none_or(|v| v.is_empty())) {
            continue;
        }
        let line = i + 1;
        if index.get("document_number").is_some_and(|c| sheet.lossy.contains(&(i, *c))) {
            let e = FieldError::new("document_number", "document_as_number");
            file.problems.push(RowProblem { line, errors: vec![e] });
            continue;
        }
        file.rows.push(ImportRow {
            line,
            building: get("building"),
            unit: get("unit"),
            room: get("room"),
            grid: get("grid"),
            resident: ResidentInput {
                name: get("name"),
                gender: get("gender"),
                document_kind: get("document_kind"),
                document_number: get("document_number"),
                birth_date: get("birth_date"),
                ethnicity: get("ethnicity"),
                phone: get("phone"),
                residence_type: get("residence_type"),
                relation: get("relation"),
                employment: get("employment"),
                tags: get("tags"),
                disability_kind: get("disability_kind"),
                disability_grade: get("disability_grade"),
                custom_tags: get("custom_tags"),
                note: get("note"),
            },
        });
    }
    file.sheet = sheet;
    Ok(file)
}

/// The header a field's column has in the template, for messages ("证件号码：…").
pub fn label(field: &str) -> &str {
    COLUMNS.iter().find(|c| c.0 == field).map_or(field, |c| c.1)
}

/// One row's problems as a sentence: `证件号码：校验码不对；姓名：必填`.
pub fn reason(lang: Lang, errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| {
            let params: Vec<(&str, String)> = e.params.iter().map(|(k, v)| (*k, v.clone())).collect();
            let message = i18n::tf(lang, &format!("error.{}", e.code), &params);
            if e.field.is_empty() || e.field == "file" { message } else { format!("{}：{message}", label(&e.field)) }
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// The file as it was sent with a reason column: fix the marked rows and send it again.
pub fn error_workbook(
    lang: Lang,
    file: &ReadFile,
    problems: &[RowProblem],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let by_line: HashMap<usize, String> = problems.iter().map(|p| (p.line, reason(lang, &p.errors))).collect();
    let header = &file.sheet.rows[file.header_row];
    let mut columns: Vec<Column<'_>> = header.iter().map(|h| Column { header: h.as_str(), width: 12.0 }).collect();
    // A re-sent error workbook already has a reason column: replace it, not add another.
    let old_reason = header.iter().position(|h| h == REASON);
    if old_reason.is_none() {
        columns.push(Column { header: REASON, width: 50.0 });
    }
    let reason_at = old_reason.unwrap_or(header.len());
    if let Some(c) = columns.get_mut(reason_at) {
        c.width = 50.0;
    }
    let width = columns.len();
    let rows = file.sheet.rows.iter().enumerate().skip(file.header_row + 1).map(move |(i, cells)| {
        let mut row: Vec<String> = cells.iter().map(|c| unneutralise(c).to_owned()).collect();
        row.resize(width, String::new());
        row[reason_at] = by_line.get(&(i + 1)).cloned().unwrap_or_default();
        row
    });
    spreadsheet::write("人口台账（待修改）", &columns, rows)
}

/// Export columns: the template's, with age and state, personal numbers masked.
const EXPORT_HEADERS: [(&str, f64); 20] = [
    ("楼栋", 16.0),
    ("单元", 6.0),
    ("房号", 8.0),
    ("网格", 10.0),
    ("姓名", 10.0),
    ("与户主关系", 10.0),
    ("性别", 6.0),
    ("证件类型", 12.0),
    ("证件号码（脱敏）", 22.0),
    ("出生日期", 12.0),
    ("年龄", 6.0),
    ("民族", 8.0),
    ("手机号（脱敏）", 14.0),
    ("户籍类型", 10.0),
    ("就业状况", 10.0),
    ("人员类别", 24.0),
    ("残疾类别", 10.0),
    ("残疾等级", 8.0),
    ("状态", 8.0),
    ("备注", 24.0),
];

/// A filtered list as a workbook.
pub fn export(lang: Lang, rows: &[ExportRow]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let columns: Vec<Column<'_>> = EXPORT_HEADERS.iter().map(|(h, w)| Column { header: h, width: *w }).collect();
    let word = |group: &str, code: &str| i18n::t(lang, &format!("{group}.{code}")).to_owned();
    let cells = rows.iter().map(|r| {
        let s = &r.summary;
        vec![
            r.building.clone(),
            r.unit.clone(),
            r.room.clone(),
            r.grid_name.clone().unwrap_or_default(),
            s.name.clone(),
            word("relation", &s.relation),
            word("gender", &s.gender),
            word("document_kind", &s.document_kind),
            s.document_masked.clone(),
            r.birth_date.to_string(),
            s.age.to_string(),
            r.ethnicity.clone().unwrap_or_default(),
            s.phone_masked.clone().unwrap_or_default(),
            word("residence", &s.residence_type),
            r.employment.as_deref().map(|e| word("employment", e)).unwrap_or_default(),
            s.tags.iter().map(|t| tag_label(lang, t)).collect::<Vec<_>>().join("、"),
            r.disability_kind.clone().unwrap_or_default(),
            r.disability_grade.map(|g| format!("{g}级")).unwrap_or_default(),
            word("resident_status", &s.status),
            r.note.clone(),
        ]
    });
    spreadsheet::write("人口台账", &columns, cells)
}

/// A category's name: fixed ones from the catalogue, the community's own as written.
pub fn tag_label(lang: Lang, tag: &str) -> String {
    match tag.strip_prefix("custom:") {
        Some(own) => own.to_owned(),
        None => i18n::t(lang, &format!("tag.{tag}")).to_owned(),
    }
}

/// Reads a file and checks every row against the register: the plan (whose problems include
/// the rows no rule could check), or why the file cannot be read at all.
pub async fn plan(
    acting: &linli_store::Acting<'_>,
    community: linli_domain::DivisionCode,
    bytes: &[u8],
) -> Result<(ReadFile, linli_store::register::ImportPlan), crate::error::AppError> {
    let mut file = read(bytes).map_err(|p| crate::error::AppError::Invalid(linli_domain::Invalid(vec![p.error()])))?;
    let rows = std::mem::take(&mut file.rows);
    file.sample = rows.iter().take(20).cloned().collect();
    let mut plan = acting.plan_import(community, rows).await?;
    plan.problems.append(&mut file.problems);
    plan.problems.sort_by_key(|p| p.line);
    Ok((file, plan))
}

/// The response that downloads a workbook.
pub fn download(bytes: Vec<u8>, filename: &str) -> axum::response::Response {
    crate::download::file(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "linli.xlsx",
        filename,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_by_name_with_the_words_communities_use() {
        assert_eq!(field_of("身份证号"), Some("document_number"));
        assert_eq!(field_of(" 姓 名 "), Some("name"));
        assert_eq!(field_of("*楼栋"), Some("building"));
        assert_eq!(field_of("联系电话"), Some("phone"));
        assert_eq!(field_of("爱好"), None);
    }

    #[test]
    fn the_template_reads_back_as_two_rows() {
        let bytes = template().expect("template");
        let file = read(&bytes).expect("read");
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].line, 2);
        assert_eq!(file.rows[0].resident.document_number, "350103195803070019");
        assert_eq!(file.rows[1].resident.disability_grade, "三级");
        assert!(file.ignored.is_empty());
    }

    #[test]
    fn a_title_row_is_skipped_and_missing_columns_named() {
        let csv = "榕华社区人口台账 2026\n楼栋,房号,姓名,证件号码,与户主关系,户籍类型,爱好\n1号楼,101,王芳,350103199001011234,户主,户籍,跑步\n";
        let file = read(csv.as_bytes()).expect("read");
        assert_eq!(file.rows.len(), 1);
        assert_eq!(file.rows[0].line, 3);
        assert_eq!(file.ignored, ["爱好"]);
        let missing = read("姓名,楼栋\n王芳,1号楼\n".as_bytes()).unwrap_err();
        assert_eq!(missing, FileProblem::MissingColumns(vec!["房号", "与户主关系", "证件号码", "户籍类型"]));
    }
}
