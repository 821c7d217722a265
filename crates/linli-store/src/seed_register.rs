//! The demo register: about 3,000 households in 60 buildings and 8,000 residents of 榕华社区,
//! three grids with a worker each and four months of household visits, plus a small register
//! in 闽江社区 so scoping shows. Written through the operations the app uses — residents by one
//! whole-file import — so everything is validated, encrypted, indexed and audited like real
//! data. Generated from a fixed seed: the same people every time (ages move with the date).
//! Every name, number and address is fictional.

use std::collections::{HashMap, HashSet};

use linli_domain::register::ResidentInput;
use linli_domain::{DivisionCode, Invalid, Role, Username, password};
use time::{Date, Duration};
use uuid::Uuid;

use crate::register::{ImportRow, VisitInput, address, years_before};
use crate::seed::{DEMO_PASSWORD, MAIN_COMMUNITY};
use crate::user::{NewUser, User};
use crate::{Acting, Actor, Store, StoreError, StoreResult};

/// Households in the main demo community's register.
pub const DEMO_HOUSEHOLDS: usize = 3_000;

/// The grid workers the register adds (username, name); "wangge" of the base seed is the first.
pub const REGISTER_GRID_WORKERS: [(&str, &str); 2] = [("wangge2", "林海燕"), ("wangge3", "黄文斌")];

const SIBLING_COMMUNITY: &str = "350103001002";

/// 12 residential compounds (小区) and their street addresses; four to a grid.
const COMPOUNDS: [(&str, &str); 12] = [
    ("榕华花园", "江滨中大道 88 号"),
    ("江滨苑", "江滨中大道 120 号"),
    ("闽江新村", "排尾路 15 号"),
    ("茶亭小区", "茶亭街 201 号"),
    ("福德花园", "福德路 36 号"),
    ("星光公寓", "上海路 58 号"),
    ("鳌峰苑", "鳌峰路 9 号"),
    ("达江新苑", "达江路 77 号"),
    ("凤凰池小区", "国货西路 301 号"),
    ("上下杭小区", "隆平路 12 号"),
    ("沧州苑", "沧州路 45 号"),
    ("泛船浦小区", "泛船浦路 8 号"),
];

const GRIDS: [(&str, &str); 3] = [("0101", "第一网格"), ("0102", "第二网格"), ("0103", "第三网格")];

/// Surnames weighted roughly as in Fuzhou (陈林黄郑 lead).
const SURNAMES: [(&str, u32); 40] = [
    ("陈", 90),
    ("林", 80),
    ("黄", 50),
    ("郑", 40),
    ("王", 35),
    ("张", 30),
    ("李", 30),
    ("吴", 30),
    ("刘", 25),
    ("杨", 20),
    ("许", 15),
    ("何", 12),
    ("郭", 12),
    ("叶", 12),
    ("游", 10),
    ("周", 10),
    ("谢", 10),
    ("蔡", 10),
    ("苏", 8),
    ("洪", 8),
    ("曾", 8),
    ("江", 8),
    ("庄", 6),
    ("罗", 6),
    ("卢", 6),
    ("方", 6),
    ("高", 6),
    ("邱", 6),
    ("詹", 5),
    ("余", 5),
    ("徐", 5),
    ("潘", 5),
    ("傅", 5),
    ("魏", 5),
    ("朱", 5),
    ("翁", 5),
    ("彭", 4),
    ("沈", 4),
    ("薛", 4),
    ("欧阳", 2),
];

/// Given names by generation (born before 1960, 1960–79, 1980–99, since 2000): (men, women).
const GIVEN: [(&[&str], &[&str]); 4] = [
    (
        &[
            "建国", "国强", "德明", "志明", "文华", "金水", "宝华", "长春", "福生", "明辉", "永康", "依伙", "水生",
            "炳南", "家兴", "木金", "华清", "明",
        ],
        &[
            "秀英", "桂英", "玉兰", "淑珍", "秀兰", "美玉", "凤英", "月娥", "玉珍", "金花", "依妹", "素琴", "惠珍",
            "瑞英", "丽珠", "宝珠", "玉梅", "英",
        ],
    ),
    (
        &[
            "志强", "建华", "海峰", "国平", "卫东", "晓东", "文斌", "建明", "伟", "勇", "军", "斌", "强", "平", "辉",
            "建平", "志勇", "永辉",
        ],
        &[
            "丽华", "美华", "秀梅", "春燕", "雪梅", "丽娟", "红霞", "晓燕", "慧敏", "艳", "丽", "萍", "玲", "静", "芳",
            "颖", "晓红", "美玲",
        ],
    ),
    (
        &[
            "伟", "磊", "涛", "浩", "鹏", "杰", "俊杰", "志伟", "晓峰", "建斌", "文杰", "鑫", "超", "凯", "宇", "彬",
            "俊", "毅",
        ],
        &[
            "婷", "静", "丽娜", "晓琳", "雅琴", "思思", "佳慧", "燕", "倩", "琳", "欣", "雪", "敏", "婧", "莉", "娜",
            "玉洁", "雅婷",
        ],
    ),
    (
        &[
            "浩然", "子轩", "宇轩", "梓豪", "俊熙", "睿", "一鸣", "子墨", "宇航", "皓轩", "铭泽", "博文", "嘉乐",
            "锦程", "泽宇", "奕辰", "思远", "昊",
        ],
        &[
            "子涵", "欣怡", "梓萱", "诗涵", "雨桐", "可欣", "思琪", "语嫣", "一诺", "紫涵", "佳怡", "欣妍", "梦瑶",
            "若曦", "雨欣", "舒窈", "沐晴", "悦",
        ],
    ),
];

/// Birthplaces (the ID number's region): 台江区 first, the rest of Fuzhou, Fujian, elsewhere.
const LOCAL: [(&str, u32); 8] = [
    ("350103", 60),
    ("350102", 8),
    ("350104", 8),
    ("350105", 3),
    ("350111", 6),
    ("350121", 6),
    ("350181", 5),
    ("350182", 4),
];
const FUJIAN: [(&str, u32); 8] = [
    ("350203", 3),
    ("350583", 3),
    ("350502", 2),
    ("350702", 2),
    ("350902", 3),
    ("350802", 2),
    ("350122", 3),
    ("350123", 2),
];
const ELSEWHERE: [(&str, u32); 6] =
    [("360102", 3), ("330106", 1), ("440106", 1), ("430104", 2), ("510107", 2), ("420106", 2)];

const MOBILE_PREFIXES: [&str; 24] = [
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "176", "177",
    "180", "181", "183", "185", "186", "187", "188", "189",
];

const DISABILITIES: [(&str, u32); 7] =
    [("肢体", 40), ("视力", 12), ("听力", 15), ("言语", 3), ("智力", 10), ("精神", 12), ("多重", 8)];

/// A small deterministic generator (splitmix64): the demo needs variety, not secrecy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < `bound` (`bound` > 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    /// `lo` ≤ n ≤ `hi`.
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1).max(1) as usize) as i32
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut n = self.below(total as usize) as u32;
        for (item, w) in items {
            if n < *w {
                return *item;
            }
            n -= w;
        }
        items[0].0
    }
}

/// One person as the generator sees them, before they become a spreadsheet row.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) age: i32,
    pub(crate) document: String,
    pub(crate) relation: &'static str,
    pub(crate) residence: &'static str,
    pub(crate) phone: String,
    pub(crate) employment: &'static str,
    pub(crate) ethnicity: &'static str,
    pub(crate) tags: Vec<&'static str>,
    pub(crate) disability: Option<(&'static str, u8)>,
    pub(crate) custom: Vec<&'static str>,
    pub(crate) note: &'static str,
}

#[derive(Debug, Clone)]
pub(crate) struct Home {
    pub(crate) building: usize,
    pub(crate) unit: String,
    pub(crate) room: String,
    pub(crate) people: Vec<Person>,
}

impl Home {
    /// Someone the grid worker must visit at the community's interval.
    pub(crate) fn vulnerable(&self) -> bool {
        self.people
            .iter()
            .any(|p| p.tags.iter().any(|t| matches!(*t, "独居老人" | "空巢老人" | "困境儿童" | "留守儿童")))
            || self.people.iter().any(|p| p.disability.is_some())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct BuildingPlan {
    pub(crate) name: String,
    pub(crate) address: String,
    pub(crate) grid: usize,
}

/// A community's register as generated: buildings (each in a grid) and households.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) buildings: Vec<BuildingPlan>,
    pub(crate) homes: Vec<Home>,
}

/// Makes people, consistent within their household, with unique documents and phones.
struct People {
    rng: Rng,
    today: Date,
    documents: HashSet<String>,
    phones: HashSet<String>,
}

impl People {
    fn surname(&mut self) -> &'static str {
        self.rng.weighted(&SURNAMES)
    }

    fn given(&mut self, age: i32, male: bool) -> &'static str {
        let born = self.today.year() - age;
        let era = match born {
            ..1960 => 0,
            1960..1980 => 1,
            1980..2000 => 2,
            _ => 3,
        };
        let (men, women) = GIVEN[era];
        self.rng.pick(if male { men } else { women })
    }

    fn region(&mut self, residence: &str, age: i32) -> &'static str {
        match residence {
            // Children of registered households are mostly born here.
            "户籍" if age < 18 && self.rng.chance(0.9) => "350103",
            "户籍" if self.rng.chance(0.9) => self.rng.weighted(&LOCAL),
            "户籍" => self.rng.weighted(&FUJIAN),
            "非户籍" if self.rng.chance(0.75) => self.rng.weighted(&FUJIAN),
            "非户籍" => self.rng.weighted(&ELSEWHERE),
            _ if self.rng.chance(0.6) => self.rng.weighted(&ELSEWHERE),
            _ => self.rng.weighted(&FUJIAN),
        }
    }

    /// A valid, unused 居民身份证 number for someone `age` years old.
    fn document(&mut self, region: &str, age: i32, male: bool) -> String {
        loop {
            let anniversary = years_before(self.today, age);
            let birth = anniversary - Duration::days(self.rng.range(1, 364).into());
            let parity = if male { self.rng.pick(&[1, 3, 5, 7, 9]) } else { self.rng.pick(&[0, 2, 4, 6, 8]) };
            let seq = self.rng.below(100) * 10 + parity;
            let first17 =
                format!("{region}{:04}{:02}{:02}{seq:03}", birth.year(), u8::from(birth.month()), birth.day());
            let number = format!("{first17}{}", linli_domain::ids::check_char(first17.as_bytes()) as char);
            if self.documents.insert(number.clone()) {
                return number;
            }
        }
    }

    fn phone(&mut self, age: i32) -> String {
        let p = match age {
            ..14 => 0.0,
            14..18 => 0.35,
            18..80 => 0.93,
            _ => 0.5,
        };
        if !self.rng.chance(p) {
            return String::new();
        }
        loop {
            let number = format!("{}{:08}", self.rng.pick(&MOBILE_PREFIXES), self.rng.below(100_000_000));
            if self.phones.insert(number.clone()) {
                return number;
            }
        }
    }

    fn employment(&mut self, age: i32, male: bool) -> &'static str {
        let retires = if male { 60 } else { 55 };
        match age {
            ..6 => "学龄前",
            6..19 => "学生",
            19..23 if self.rng.chance(0.65) => "学生",
            a if a >= retires => {
                if self.rng.chance(0.88) {
                    "退休"
                } else {
                    "无业"
                }
            }
            _ => self.rng.weighted(&[("在职", 66), ("个体", 14), ("失业", 5), ("无业", 12), ("其他", 3)]),
        }
    }

    /// Someone of `age` in a household of `residence` type; `surname` for family members.
    fn person(
        &mut self,
        age: i32,
        male: bool,
        surname: Option<&'static str>,
        relation: &'static str,
        residence: &'static str,
    ) -> Person {
        let age = age.clamp(0, 104);
        let surname = surname.unwrap_or_else(|| self.surname());
        let name = format!("{surname}{}", self.given(age, male));
        let region = self.region(residence, age);
        let document = self.document(region, age, male);
        let ethnicity = self.rng.weighted(&[("汉族", 965), ("畲族", 20), ("回族", 5), ("满族", 5), ("苗族", 5)]);
        let mut p = Person {
            name,
            age,
            document,
            relation,
            residence,
            phone: self.phone(age),
            employment: self.employment(age, male),
            ethnicity,
            tags: Vec::new(),
            disability: None,
            custom: Vec::new(),
            note: "",
        };
        let disabled = match age {
            ..18 => 0.006,
            18..60 => 0.017,
            _ => 0.05,
        };
        if self.rng.chance(disabled) {
            let grade = self.rng.weighted(&[(1u8, 10), (2, 25), (3, 35), (4, 30)]);
            p.disability = Some((self.rng.weighted(&DISABILITIES), grade));
            if age >= 60 && grade <= 2 {
                p.note = "行动不便，需上门服务";
            }
        }
        if male && (25..=80).contains(&age) && self.rng.chance(0.03) {
            p.tags.push("退役军人");
            if age >= 60 && self.rng.chance(0.4) {
                p.tags.push("优抚对象");
            }
        }
        if age >= 18 && self.rng.chance(0.07) {
            p.custom.push("党员");
        }
        if (18..=70).contains(&age) && self.rng.chance(0.03) {
            p.custom.push("志愿者");
        }
        p
    }

    fn elderly_age(&mut self) -> i32 {
        match self.rng.weighted(&[(0, 30), (1, 40), (2, 25), (3, 5)]) {
            0 => self.rng.range(60, 69),
            1 => self.rng.range(70, 79),
            2 => self.rng.range(80, 89),
            _ => self.rng.range(90, 98),
        }
    }

    /// A child's age for a mother of `mother` years (never negative).
    fn child_age(&mut self, mother: i32) -> i32 {
        let age = mother - self.rng.range(22, 32);
        if age < 0 { self.rng.range(0, 3) } else { age }
    }

    /// A household: its kind decides who lives there and how they relate to the head.
    fn household(&mut self) -> Vec<Person> {
        let residence = self.rng.weighted(&[("户籍", 85), ("非户籍", 12), ("流动人口", 3)]);
        let kind = self.rng.weighted(&[
            ("elder_alone", 72),
            ("single", 75),
            ("elder_couple", 58),
            ("couple", 110),
            ("single_parent", 30),
            ("couple_child", 220),
            ("elder_with_child", 30),
            ("couple_two", 100),
            ("three_generations", 85),
            ("skip_generation", 20),
            ("couple_three", 15),
            ("renters", 50),
        ]);
        let mut v = Vec::new();
        match kind {
            "elder_alone" => {
                let age = self.elderly_age();
                let male = self.rng.chance(0.3);
                let mut p = self.person(age, male, None, "户主", residence);
                p.tags.push("独居老人");
                if self.rng.chance(0.06) {
                    p.tags.push("特困");
                }
                if p.note.is_empty() {
                    p.note = self.rng.pick(&["子女住附近，每周探望", "子女在外地工作", "", ""]);
                }
                v.push(p);
            }
            "single" => {
                let age = self.rng.range(22, 59);
                let male = self.rng.chance(0.55);
                v.push(self.person(age, male, None, "户主", residence));
            }
            "elder_couple" => {
                let husband = self.elderly_age().max(62);
                let family = self.surname();
                let empty_nest = self.rng.chance(0.9);
                let wife = husband - self.rng.range(0, 5);
                v.push(self.person(husband, true, Some(family), "户主", residence));
                v.push(self.person(wife, false, None, "配偶", residence));
                for p in &mut v {
                    if empty_nest && p.age >= 60 {
                        p.tags.push("空巢老人");
                    }
                }
            }
            "couple" => {
                let husband = self.rng.range(24, 62);
                let family = self.surname();
                let (head_male, wife) = (self.rng.chance(0.7), husband - self.rng.range(0, 4));
                let h = self.person(husband, true, Some(family), if head_male { "户主" } else { "配偶" }, residence);
                let w = self.person(wife, false, None, if head_male { "配偶" } else { "户主" }, residence);
                v.extend([h, w]);
            }
            "single_parent" => {
                let parent = self.rng.range(30, 50);
                let male = self.rng.chance(0.25);
                let family = self.surname();
                v.push(self.person(parent, male, Some(family), "户主", residence));
                let child = (parent - self.rng.range(22, 34)).clamp(1, 17);
                let boy = self.rng.chance(0.52);
                v.push(self.person(child, boy, Some(family), "子女", residence));
            }
            "couple_child" | "couple_two" | "couple_three" => {
                let children = match kind {
                    "couple_child" => 1,
                    "couple_two" => 2,
                    _ => 3,
                };
                let husband = self.rng.range(29, 63);
                let wife = husband - self.rng.range(0, 4);
                let family = self.surname();
                v.push(self.person(husband, true, Some(family), "户主", residence));
                v.push(self.person(wife, false, None, "配偶", residence));
                let mut age = self.child_age(wife);
                for _ in 0..children {
                    let boy = self.rng.chance(0.52);
                    v.push(self.person(age, boy, Some(family), "子女", residence));
                    age = (age - self.rng.range(2, 6)).max(0);
                }
            }
            "elder_with_child" => {
                let parent = self.rng.range(70, 92);
                let child = parent - self.rng.range(25, 35);
                let family = self.surname();
                let son = self.rng.chance(0.5);
                v.push(self.person(child, son, Some(family), "户主", residence));
                let father = self.rng.chance(0.35);
                let surname = if father { Some(family) } else { None };
                v.push(self.person(parent, father, surname, "父母", residence));
            }
            "three_generations" => {
                // Either the grandparents head the household or their son does.
                let husband = self.rng.range(32, 50);
                let wife = husband - self.rng.range(0, 4);
                let grandpa = husband + self.rng.range(24, 34);
                let family = self.surname();
                let elders_head = self.rng.chance(0.35);
                let both_grandparents = self.rng.chance(0.55);
                let (g, s, c, cl, gc) = if elders_head {
                    ("户主", "配偶", "子女", "儿媳", "孙子女")
                } else {
                    ("父母", "父母", "户主", "配偶", "子女")
                };
                if both_grandparents || elders_head {
                    v.push(self.person(grandpa, true, Some(family), g, residence));
                    let grandma = grandpa - self.rng.range(0, 4);
                    v.push(self.person(grandma, false, None, s, residence));
                } else {
                    let grandma = grandpa - self.rng.range(0, 4);
                    v.push(self.person(grandma, false, None, g, residence));
                }
                v.push(self.person(husband, true, Some(family), c, residence));
                v.push(self.person(wife, false, None, cl, residence));
                // At most five people: two grandparents leave room for one grandchild.
                let kids = if v.len() >= 4 || self.rng.chance(0.5) { 1 } else { 2 };
                let mut age = self.child_age(wife);
                for _ in 0..kids {
                    let boy = self.rng.chance(0.52);
                    v.push(self.person(age, boy, Some(family), gc, residence));
                    age = (age - self.rng.range(2, 6)).max(0);
                }
            }
            "skip_generation" => {
                // Grandparents bring up a grandchild whose parents work elsewhere.
                let grandpa = self.rng.range(55, 72);
                let family = self.surname();
                v.push(self.person(grandpa, true, Some(family), "户主", residence));
                if self.rng.chance(0.7) {
                    let grandma = grandpa - self.rng.range(0, 4);
                    v.push(self.person(grandma, false, None, "配偶", residence));
                }
                let child = self.rng.range(3, 15);
                let boy = self.rng.chance(0.52);
                let mut c = self.person(child, boy, Some(family), "孙子女", residence);
                if self.rng.chance(0.45) {
                    c.tags.push("留守儿童");
                    c.note = "父母在外地务工";
                }
                v.push(c);
            }
            _ => {
                // Young people sharing a rented flat.
                let n = self.rng.range(2, 3);
                for i in 0..n {
                    let age = self.rng.range(20, 35);
                    let male = self.rng.chance(0.5);
                    v.push(self.person(age, male, None, if i == 0 { "户主" } else { "其他" }, "流动人口"));
                }
            }
        }
        // Household-level assistance: 低保 and 低收入 cover the whole family.
        if kind != "renters" {
            let support = self.rng.weighted(&[("", 9_710), ("低保", 140), ("低收入", 150)]);
            if !support.is_empty() {
                for p in &mut v {
                    if !p.tags.contains(&"特困") {
                        p.tags.push(support);
                    }
                    if support == "低保" && p.age < 18 && self.rng.chance(0.4) {
                        p.tags.push("困境儿童");
                    }
                }
            }
        }
        v
    }
}

/// Lays out `buildings` buildings over `compounds` (each compound's grid by its position) and
/// fills `households` flats with generated households.
pub(crate) fn plan(
    rng_seed: u64,
    today: Date,
    households: usize,
    compounds: &[(&str, &str)],
    grids: usize,
    buildings: usize,
) -> Plan {
    let mut people = People { rng: Rng(rng_seed), today, documents: HashSet::new(), phones: HashSet::new() };
    let buildings = buildings.max(1);
    let per_grid = compounds.len().div_ceil(grids.max(1)).max(1);
    let mut layout = Vec::with_capacity(buildings);
    let mut floors = Vec::with_capacity(buildings);
    for b in 0..buildings {
        let c = b % compounds.len().max(1);
        let (compound, street) = compounds.get(c).copied().unwrap_or(("榕华花园", ""));
        layout.push(BuildingPlan {
            name: format!("{compound}{}号楼", b / compounds.len().max(1) + 1),
            address: street.to_owned(),
            grid: (c / per_grid).min(grids.saturating_sub(1)),
        });
        floors.push(people.rng.pick(&[6usize, 7, 9, 11, 18, 18]));
    }
    // Three units of two flats a floor; raise buildings until every household has a flat.
    let capacity = |floors: &[usize]| floors.iter().map(|f| 6 * f).sum::<usize>();
    while capacity(&floors) < households + households / 10 {
        let b = people.rng.below(buildings);
        floors[b] = 18;
        if floors.iter().all(|f| *f == 18) {
            break;
        }
    }
    let total = capacity(&floors).max(1);
    let mut counts: Vec<usize> = floors.iter().map(|f| households * 6 * f / total).collect();
    let mut short = households.saturating_sub(counts.iter().sum());
    while short > 0 && counts.iter().zip(&floors).any(|(c, f)| *c < 6 * f) {
        let b = people.rng.below(buildings);
        if counts[b] < 6 * floors[b] {
            counts[b] += 1;
            short -= 1;
        }
    }
    let mut homes = Vec::with_capacity(households);
    for (b, (&n, &f)) in counts.iter().zip(&floors).enumerate() {
        // Pick n of the building's flats, then list them in address order.
        let mut flats: Vec<(usize, usize, usize)> =
            (1..=3).flat_map(|u| (1..=f).flat_map(move |fl| (1..=2).map(move |r| (u, fl, r)))).collect();
        for i in 0..n.min(flats.len()) {
            let j = i + people.rng.below(flats.len() - i);
            flats.swap(i, j);
        }
        flats.truncate(n);
        flats.sort_unstable();
        for (u, fl, r) in flats {
            let members = people.household();
            homes.push(Home { building: b, unit: format!("{u}单元"), room: format!("{fl}{r:02}"), people: members });
        }
    }
    // One 楼长 per building: the head of a household there, chosen at random.
    let mut first = 0;
    for b in 0..buildings {
        let end = first + homes[first..].iter().take_while(|h| h.building == b).count();
        if end > first {
            let pick = first + people.rng.below(end - first);
            if let Some(head) = homes[pick].people.iter_mut().find(|p| p.relation == "户主" && p.age >= 25) {
                head.custom.push("楼长");
            }
        }
        first = end;
    }
    Plan { buildings: layout, homes }
}

pub(crate) fn import_rows(plan: &Plan) -> Vec<ImportRow> {
    let mut rows = Vec::new();
    for home in &plan.homes {
        let Some(building) = plan.buildings.get(home.building) else { continue };
        for p in &home.people {
            let resident = ResidentInput {
                name: p.name.clone(),
                document_number: p.document.clone(),
                ethnicity: p.ethnicity.into(),
                phone: p.phone.clone(),
                residence_type: p.residence.into(),
                relation: p.relation.into(),
                employment: p.employment.into(),
                tags: p.tags.join("、"),
                disability_kind: p.disability.map(|d| d.0.to_owned()).unwrap_or_default(),
                disability_grade: p.disability.map(|d| format!("{}级", d.1)).unwrap_or_default(),
                custom_tags: p.custom.join("、"),
                note: p.note.into(),
                ..Default::default()
            };
            rows.push(ImportRow {
                line: rows.len() + 2,
                building: building.name.clone(),
                unit: home.unit.clone(),
                room: home.room.clone(),
                grid: String::new(),
                resident,
            });
        }
    }
    rows
}

/// What a visit found, by the kind of household.
const PURPOSES: [&str; 8] = [
    "日常走访",
    "人口信息核查",
    "反诈宣传",
    "燃气与电动车安全排查",
    "医保参保缴费提醒",
    "垃圾分类宣传",
    "防汛防台提醒",
    "邻里纠纷回访",
];
const CARE_PURPOSES: [&str; 4] = ["关爱走访", "独居老人探访", "健康状况了解", "节前慰问"];
const FINDINGS: [&str; 8] = [
    "家中情况正常，信息无变化",
    "家中无人，已留联系卡",
    "反映楼道灯损坏",
    "电动车在楼道充电，已当场劝导",
    "新增一名家庭成员，已提醒到窗口登记",
    "对社区服务满意",
    "询问老年人优待证办理，已告知所需材料",
    "",
];
const CARE_FINDINGS: [&str; 6] = [
    "老人身体状况良好，精神不错",
    "血压偏高，建议到社区卫生服务中心复查",
    "家中整洁，子女每周来探望",
    "腿脚不便，希望有人帮忙代购",
    "老人独自在家，已检查燃气阀门",
    "情绪低落，需多关心",
];
const FOLLOW_UPS: [&str; 5] =
    ["联系物业维修楼道灯", "协助申请居家养老服务补贴", "转介社工跟进", "一周后复访", "联系家庭医生上门随访"];

impl Store {
    /// Seeds the demo register (see the module) unless the main community already has one, and
    /// the sibling community's unless it has one. Needs [`Store::seed_demo`] first.
    pub async fn seed_demo_register(&self) -> StoreResult<()> {
        let main = code(MAIN_COMMUNITY)?;
        let sibling = code(SIBLING_COMMUNITY)?;
        let today = crate::today();
        let seed = Actor::system("demo seed");
        let acting = self.acting(&seed);
        if self.resident_count(main).await? == 0 {
            let mut workers = vec![self.user_by_username("wangge").await?];
            for (username, name) in REGISTER_GRID_WORKERS {
                workers.push(self.grid_worker(username, name, main).await?);
            }
            let buildings = DEMO_HOUSEHOLDS.div_ceil(50);
            let plan = plan(0x6C69_6E6C_6900_0001, today, DEMO_HOUSEHOLDS, &COMPOUNDS, GRIDS.len(), buildings);
            let grids = self.seed_places(&acting, main, &GRIDS, &plan).await?;
            for (grid, worker) in grids.iter().zip(&workers) {
                acting.set_grid_workers(*grid, &[worker.id]).await?;
            }
            self.seed_people(&acting, main, &plan, "榕华社区人口台账（演示）.xlsx").await?;
            self.seed_visits(main, &plan, &workers, today).await?;
        }
        if self.resident_count(sibling).await? == 0 {
            let compounds = [("闽江公寓", "排尾路 200 号")];
            let plan = plan(0x6C69_6E6C_6900_0002, today, 18, &compounds, 1, 2);
            self.seed_places(&acting, sibling, &[("0101", "闽江第一网格")], &plan).await?;
            self.seed_people(&acting, sibling, &plan, "闽江社区人口台账（演示）.xlsx").await?;
        }
        Ok(())
    }

    async fn resident_count(&self, community: DivisionCode) -> StoreResult<i64> {
        Ok(on_db!(self, |pool| sqlx::query_scalar("SELECT count(*) FROM resident WHERE community_code = $1")
            .bind(community.as_str())
            .fetch_one(pool)
            .await)?)
    }

    /// A demo grid-worker account, made like the base seed's accounts when missing.
    async fn grid_worker(&self, username: &str, name: &str, community: DivisionCode) -> StoreResult<User> {
        if let Ok(u) = self.user_by_username(username).await {
            return Ok(u);
        }
        let hash = password::hash(DEMO_PASSWORD)
            .map_err(|e| StoreError::Db(sqlx::Error::Protocol(format!("password hashing failed: {e}"))))?;
        self.create_user(&NewUser {
            username: Username::parse(username)?,
            display_name: name.to_owned(),
            role: Role::GridWorker,
            node_code: community,
            password_hash: hash,
            must_change_password: false,
        })
        .await
    }

    /// The grids and buildings of a plan (those already there are kept); the grids' ids.
    async fn seed_places(
        &self,
        acting: &Acting<'_>,
        community: DivisionCode,
        grids: &[(&str, &str)],
        plan: &Plan,
    ) -> StoreResult<Vec<Uuid>> {
        let existing = acting.grids(community).await?;
        let mut ids = Vec::new();
        for (grid_code, name) in grids {
            let id = match existing.iter().find(|g| g.code == *grid_code) {
                Some(g) => g.id,
                None => acting.create_grid(community, grid_code, name).await?.id,
            };
            ids.push(id);
        }
        let there: HashSet<String> = acting.buildings(community).await?.into_iter().map(|b| b.name).collect();
        for b in &plan.buildings {
            if !there.contains(&b.name) {
                acting.save_building(community, None, &b.name, &b.address, ids.get(b.grid).copied()).await?;
            }
        }
        Ok(ids)
    }

    /// Every resident of the plan, by one import (the bulk path the app's upload uses).
    async fn seed_people(
        &self,
        acting: &Acting<'_>,
        community: DivisionCode,
        plan: &Plan,
        file: &str,
    ) -> StoreResult<()> {
        let import = acting.plan_import(community, import_rows(plan)).await?;
        if let Some(p) = import.problems.first() {
            // The generator made a row the rules refuse: say which, rather than import half.
            let mut errors = p.errors.clone();
            for e in &mut errors {
                e.params.push(("line", p.line.to_string()));
            }
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        acting.commit_import(community, import, file, &|_| {}).await?;
        Ok(())
    }

    /// Four months of visits by each grid's worker to about 60% of households: vulnerable
    /// households mostly every month, some left overdue, so the coverage view has content.
    async fn seed_visits(
        &self,
        community: DivisionCode,
        plan: &Plan,
        workers: &[User],
        today: Date,
    ) -> StoreResult<()> {
        let rows: Vec<(Uuid, String, String, String)> = on_db!(self, |pool| sqlx::query_as(
            "SELECT h.id, b.name, h.unit, h.room FROM household h JOIN building b ON b.id = h.building_id \
             WHERE h.community_code = $1"
        )
        .bind(community.as_str())
        .fetch_all(pool)
        .await)?;
        let ids: HashMap<String, Uuid> = rows.into_iter().map(|(id, b, u, r)| (address(&b, &u, &r), id)).collect();
        let mut rng = Rng(0x6C69_6E6C_6900_0003);
        // (days ago, grid, household, care visit)
        let mut visits: Vec<(i64, usize, Uuid, bool)> = Vec::new();
        for home in &plan.homes {
            let (Some(b), true) = (plan.buildings.get(home.building), !home.people.is_empty()) else { continue };
            let Some(&id) = ids.get(&address(&b.name, &home.unit, &home.room)) else { continue };
            if home.vulnerable() {
                match rng.weighted(&[("monthly", 70), ("lapsed", 15), ("never", 15)]) {
                    "monthly" => {
                        let mut days = rng.range(0, 24) as i64;
                        while days < 120 {
                            visits.push((days, b.grid, id, true));
                            days += i64::from(rng.range(24, 34));
                        }
                    }
                    "lapsed" => {
                        visits.push((i64::from(rng.range(35, 80)), b.grid, id, true));
                        if rng.chance(0.5) {
                            visits.push((i64::from(rng.range(81, 119)), b.grid, id, true));
                        }
                    }
                    _ => {}
                }
            } else if rng.chance(0.56) {
                visits.push((i64::from(rng.range(0, 119)), b.grid, id, false));
                if rng.chance(0.1) {
                    visits.push((i64::from(rng.range(0, 119)), b.grid, id, false));
                }
            }
        }
        // Oldest first, as they would have been entered.
        visits.sort_by_key(|v| std::cmp::Reverse(v.0));
        let actors: Vec<Actor> = workers.iter().map(|u| Actor::user(u, None)).collect();
        for (days, grid, household, care) in visits {
            let Some(actor) = actors.get(grid) else { continue };
            let follow_up = rng.chance(if care { 0.12 } else { 0.05 });
            let input = VisitInput {
                visited_on: (today - Duration::days(days)).to_string(),
                purpose: if care { rng.pick(&CARE_PURPOSES) } else { rng.pick(&PURPOSES) }.to_owned(),
                findings: if care { rng.pick(&CARE_FINDINGS) } else { rng.pick(&FINDINGS) }.to_owned(),
                follow_up: if follow_up { "1".into() } else { String::new() },
                follow_up_note: if follow_up { rng.pick(&FOLLOW_UPS).to_owned() } else { String::new() },
            };
            self.acting(actor).record_visit(household, &input).await?;
        }
        Ok(())
    }
}

fn code(s: &str) -> StoreResult<DivisionCode> {
    DivisionCode::parse(s).map_err(StoreError::Invalid)
}

#[cfg(test)]
mod tests {
    use linli_domain::register::age_on;
    use time::macros::date;

    use super::*;

    // The generated population has the shape the demo promises, and every row validates.
    #[test]
    fn the_generated_register_is_plausible() {
        let today = date!(2026 - 11 - 29);
        let plan = plan(0x6C69_6E6C_6900_0001, today, DEMO_HOUSEHOLDS, &COMPOUNDS, GRIDS.len(), 60);
        let rows = import_rows(&plan);
        let n = rows.len() as f64;
        let fields: Vec<_> = rows.iter().map(|r| r.resident.validate(today).expect("valid row")).collect();
        let share = |f: &dyn Fn(&linli_domain::register::ResidentFields) -> bool| {
            fields.iter().filter(|x| f(x)).count() as f64 / n
        };
        let age = |f: &linli_domain::register::ResidentFields| age_on(f.birth_date, today);
        let tagged = |code: &'static str| {
            move |f: &linli_domain::register::ResidentFields| f.tags.iter().any(|t| t.as_str() == code)
        };
        let shares = [
            ("60+", share(&|f| age(f) >= 60), 0.17, 0.24),
            ("80+", share(&|f| age(f) >= 80), 0.02, 0.045),
            ("minor", share(&|f| age(f) < 18), 0.12, 0.18),
            ("living_alone", share(&tagged("living_alone")), 0.025, 0.04),
            ("empty_nest", share(&tagged("empty_nest")), 0.03, 0.055),
            ("disabled", share(&tagged("disabled")), 0.012, 0.03),
            ("dibao", share(&tagged("dibao")), 0.005, 0.02),
        ];
        for (what, got, lo, hi) in shares {
            eprintln!("{what}: {got:.3}");
            assert!((lo..=hi).contains(&got), "{what}: {got:.3} not in {lo}..{hi}");
        }
        eprintln!("residents: {n}, households: {}", plan.homes.len());
        assert_eq!(plan.homes.len(), DEMO_HOUSEHOLDS);
        assert!((7_500.0..=8_600.0).contains(&n), "residents: {n}");
        let heads = plan.homes.iter().all(|h| h.people.iter().filter(|p| p.relation == "户主").count() == 1);
        assert!(heads, "every household has exactly one head");
        let mut addresses: Vec<_> = plan.homes.iter().map(|h| (h.building, &h.unit, &h.room)).collect();
        addresses.sort();
        addresses.dedup();
        assert_eq!(addresses.len(), DEMO_HOUSEHOLDS, "one household per flat");
        for (tag, at_least) in [("tekun", 1), ("low_income", 1), ("youfu", 1), ("veteran", 1), ("left_behind_child", 1)]
        {
            assert!(fields.iter().filter(|f| f.tags.iter().any(|t| t.as_str() == tag)).count() >= at_least, "{tag}");
        }
        assert!(fields.iter().any(|f| f.tags.iter().any(|t| t.as_str() == "child_in_difficulty")));
        let adults_with_phone = fields.iter().filter(|f| age(f) >= 18 && f.phone.is_some()).count() as f64
            / fields.iter().filter(|f| age(f) >= 18).count() as f64;
        assert!(adults_with_phone > 0.8, "{adults_with_phone}");
    }
}
