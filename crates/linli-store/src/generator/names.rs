//! Names for the generated places and staff. Residents' names come from the demo register's
//! generator (`seed_register.rs`: Fuzhou surname frequencies and given names by generation);
//! staff get a surname by national frequency and one or two given-name characters. All fictional.

use super::rng::Rng;

/// Fuzhou's districts other than 台江区 (the demo's), in GB/T 2260 order: (code, name).
pub(crate) const DISTRICTS: [(&str, &str); 12] = [
    ("350102", "鼓楼区"),
    ("350104", "仓山区"),
    ("350105", "马尾区"),
    ("350111", "晋安区"),
    ("350112", "长乐区"),
    ("350121", "闽侯县"),
    ("350122", "连江县"),
    ("350123", "罗源县"),
    ("350124", "闽清县"),
    ("350125", "永泰县"),
    ("350128", "平潭县"),
    ("350181", "福清市"),
];

/// Word stems for street offices, communities and compounds.
const PLACE_STEMS: [&str; 40] = [
    "东街", "南门", "西湖", "北峰", "温泉", "水部", "华大", "安泰", "鼓东", "鼓西", "洪山", "五凤", "新店", "岳峰",
    "象园", "茶园", "王庄", "鼓山", "宦溪", "寿山", "仓前", "上渡", "螺洲", "城门", "盖山", "建新", "金山", "临江",
    "三牧", "梅峰", "屏西", "湖滨", "乌山", "文林", "桂香", "丽景", "榕城", "秀峰", "龙津", "凤湖",
];
const COMPOUND_SUFFIXES: [&str; 8] = ["花园", "新村", "小区", "公寓", "苑", "家园", "雅居", "新城"];
const ROADS: [&str; 10] = ["路", "街", "大道", "路", "巷", "北路", "南路", "中路", "东路", "西路"];

/// Surnames by national frequency (per mille, roughly the 2020 census's order).
const SURNAMES: [(&str, u32); 30] = [
    ("王", 74),
    ("李", 72),
    ("张", 69),
    ("刘", 54),
    ("陈", 53),
    ("杨", 31),
    ("黄", 23),
    ("赵", 22),
    ("吴", 21),
    ("周", 21),
    ("徐", 17),
    ("孙", 15),
    ("马", 15),
    ("朱", 14),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("林", 12),
    ("高", 11),
    ("罗", 11),
    ("郑", 10),
    ("梁", 10),
    ("谢", 8),
    ("宋", 8),
    ("唐", 7),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 6),
];
const GIVEN_MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "辉", "鹏", "华", "建", "峰", "志", "文", "海", "宇",
    "浩",
];
const GIVEN_FEMALE: &[&str] = &[
    "芳", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "红", "梅", "琳", "颖", "洁", "萍", "倩",
    "莉",
];

/// A staff member's name: a surname and one or two given characters.
pub(crate) fn person(rng: &mut Rng) -> String {
    let surname = rng.weighted(&SURNAMES);
    let given = if rng.chance(0.5) { GIVEN_MALE } else { GIVEN_FEMALE };
    if rng.chance(0.4) {
        format!("{surname}{}", rng.pick(given))
    } else {
        format!("{surname}{}{}", rng.pick(given), rng.pick(given))
    }
}

/// The `n`-th street office's name (distinct for the first 40, then numbered).
pub(crate) fn street(n: usize) -> String {
    let stem = PLACE_STEMS[n % PLACE_STEMS.len()];
    match n / PLACE_STEMS.len() {
        0 => format!("{stem}街道"),
        k => format!("{stem}第{}街道", k + 1),
    }
}

/// The `n`-th community's name under its street (`n` < 999).
pub(crate) fn community(rng: &mut Rng, n: usize) -> String {
    let stem = PLACE_STEMS[(n * 7 + rng.below(PLACE_STEMS.len())) % PLACE_STEMS.len()];
    format!("{stem}{}社区", ["", "东", "西", "南", "北", "新", "中"][n % 7])
}

/// Twelve residential compounds with street addresses, for one community.
pub(crate) fn compounds(rng: &mut Rng) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(12);
    while out.len() < 12 {
        let name = format!("{}{}", rng.pick(&PLACE_STEMS), rng.pick(&COMPOUND_SUFFIXES));
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let road = format!("{}{} {} 号", rng.pick(&PLACE_STEMS), rng.pick(&ROADS), rng.range(1, 399));
        out.push((name, road));
    }
    out
}
