//! China's public holidays and swapped working days, as published by the State Council.
//!
//! - 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024-11-12）
//! - 2026: 国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号，2025-11-04）
//!
//! Cross-checked day by day against the PyPI package `chinese-calendar` 1.11. Later years are
//! loaded as data by an administrator (page 节假日管理, or `linli calendar load FILE`).

use super::{DayRule, parse_rules};

const SCHEDULES: &str = "\
# 2025 国办发明电〔2024〕12号
2025-01-01 holiday 元旦
2025-01-26 workday 春节调休上班
2025-01-28..2025-02-04 holiday 春节
2025-02-08 workday 春节调休上班
2025-04-04..2025-04-06 holiday 清明节
2025-04-27 workday 劳动节调休上班
2025-05-01..2025-05-05 holiday 劳动节
2025-05-31..2025-06-02 holiday 端午节
2025-09-28 workday 国庆节调休上班
2025-10-01..2025-10-08 holiday 国庆节、中秋节
2025-10-11 workday 国庆节调休上班
# 2026 国办发明电〔2025〕7号
2026-01-01..2026-01-03 holiday 元旦
2026-01-04 workday 元旦调休上班
2026-02-14 workday 春节调休上班
2026-02-15..2026-02-23 holiday 春节
2026-02-28 workday 春节调休上班
2026-04-04..2026-04-06 holiday 清明节
2026-05-01..2026-05-05 holiday 劳动节
2026-05-09 workday 劳动节调休上班
2026-06-19..2026-06-21 holiday 端午节
2026-09-20 workday 国庆节调休上班
2026-09-25..2026-09-27 holiday 中秋节
2026-10-01..2026-10-07 holiday 国庆节
2026-10-10 workday 国庆节调休上班
";

pub(super) fn rules() -> Vec<DayRule> {
    // The text above is fixed and covered by tests; a parse failure would be a build defect.
    parse_rules(SCHEDULES).unwrap_or_default()
}
