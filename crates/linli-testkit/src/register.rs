//! A register as communities fill in the template: generated rows with valid, distinct ID
//! numbers, written as a workbook — for tests and the import benchmark.

/// A valid 18-digit ID number: region, `YYYYMMDD`, a 3-digit sequence (odd for men), and the
/// GB 11643 check character.
pub fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let body = format!("{region}{birth}{seq:03}");
    let check = linli_domain::ids::check_char(body.as_bytes()) as char;
    format!("{body}{check}")
}

pub const HEADERS: [&str; 19] = [
    "楼栋",
    "单元",
    "房号",
    "网格",
    "姓名",
    "与户主关系",
    "性别",
    "证件类型",
    "证件号码",
    "出生日期",
    "民族",
    "手机号",
    "户籍类型",
    "就业状况",
    "人员类别",
    "残疾类别",
    "残疾等级",
    "其他标签",
    "备注",
];

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "郑",
];
const GIVEN: [&str; 20] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华",
    "平",
];

/// `n` rows in `buildings` buildings: households of three (head, spouse, child), every ID
/// valid and distinct. Row `i` of the result is spreadsheet row `i + 2`.
pub fn register_rows(n: usize, buildings: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            let h = i / 3;
            let (b, k) = (h % buildings, h / buildings);
            let (unit, room) = (k % 3 + 1, 101 + k / 3);
            let (relation, year, male) = match i % 3 {
                0 => ("户主", 1950 + (h % 40), true),
                1 => ("配偶", 1952 + (h % 40), false),
                _ => ("子女", 1985 + (h % 35), h % 2 == 0),
            };
            // Distinct for up to 168,000 rows: 500 sequences per birth day, 336 days.
            let day = 1 + (i / 500) % 28;
            let month = 1 + (i / 14_000) % 12;
            // The sequence's last digit is the gender: odd for men.
            let seq = ((i % 500) * 2 + usize::from(male)) as u32;
            let birth = format!("{year}{month:02}{day:02}");
            let id = id_number("350103", &birth, seq);
            let name = format!("{}{}{}", SURNAMES[h % 20], GIVEN[(i / 20) % 20], GIVEN[i % 20]);
            let tags = if i % 3 == 0 && year < 1960 && h % 5 == 0 { "空巢老人" } else { "" };
            let phone = if i % 3 == 2 { String::new() } else { format!("139{:08}", i) };
            [
                format!("测试小区{}号楼", b + 1),
                unit.to_string(),
                room.to_string(),
                String::new(),
                name,
                relation.to_owned(),
                String::new(),
                "居民身份证".to_owned(),
                id,
                String::new(),
                "汉族".to_owned(),
                phone,
                "户籍".to_owned(),
                String::new(),
                tags.to_owned(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]
            .into()
        })
        .collect()
}

/// The rows under the template's headers, as an .xlsx file.
#[cfg(feature = "app")]
pub fn workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in HEADERS.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                sheet.write_string(r as u32 + 1, c as u16, v).expect("cell");
            }
        }
    }
    book.save_to_buffer().expect("workbook")
}
