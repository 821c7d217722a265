//! The words of the register: registration types, relations, employment, categories.
//! Each parses its code or the Chinese word a spreadsheet uses.

use serde::Serialize;
use time::Date;

/// The 56 ethnic groups (GB/T 3304), as written on the ID card.
pub const ETHNICITIES: [&str; 56] = [
    "汉族",
    "蒙古族",
    "回族",
    "藏族",
    "维吾尔族",
    "苗族",
    "彝族",
    "壮族",
    "布依族",
    "朝鲜族",
    "满族",
    "侗族",
    "瑶族",
    "白族",
    "土家族",
    "哈尼族",
    "哈萨克族",
    "傣族",
    "黎族",
    "傈僳族",
    "佤族",
    "畲族",
    "高山族",
    "拉祜族",
    "水族",
    "东乡族",
    "纳西族",
    "景颇族",
    "柯尔克孜族",
    "土族",
    "达斡尔族",
    "仫佬族",
    "羌族",
    "布朗族",
    "撒拉族",
    "毛南族",
    "仡佬族",
    "锡伯族",
    "阿昌族",
    "普米族",
    "塔吉克族",
    "怒族",
    "乌孜别克族",
    "俄罗斯族",
    "鄂温克族",
    "德昂族",
    "保安族",
    "裕固族",
    "京族",
    "塔塔尔族",
    "独龙族",
    "鄂伦春族",
    "赫哲族",
    "门巴族",
    "珞巴族",
    "基诺族",
];

/// An ethnic group from its name, with or without 族 ("汉" → "汉族").
pub fn ethnicity(s: &str) -> Option<&'static str> {
    let s = s.trim();
    ETHNICITIES.iter().copied().find(|e| *e == s || e.strip_suffix('族') == Some(s))
}

/// 残疾类别 on the disability certificate.
pub const DISABILITY_KINDS: [&str; 7] = ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"];

macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $code:literal [$($word:literal),*]),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The code, or a word a spreadsheet uses for it.
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                $(if s == $code $(|| s == $word)* { return Some($name::$variant); })+
                None
            }
        }
    };
}

vocabulary! {
    /// 户籍类型.
    ResidenceType {
        Registered = "registered" ["户籍", "户籍人口"],
        NonRegistered = "non_registered" ["非户籍", "非户籍常住", "常住非户籍"],
        Floating = "floating" ["流动人口", "流动"],
    }
}

vocabulary! {
    /// 与户主关系.
    Relation {
        Head = "head" ["户主", "本人"],
        Spouse = "spouse" ["配偶", "妻", "夫"],
        Child = "child" ["子女", "子", "女", "儿子", "女儿"],
        Parent = "parent" ["父母", "父亲", "母亲"],
        Grandparent = "grandparent" ["祖父母", "外祖父母"],
        Grandchild = "grandchild" ["孙子女", "外孙子女", "孙子", "孙女"],
        Sibling = "sibling" ["兄弟姐妹"],
        ChildInLaw = "child_in_law" ["儿媳", "女婿"],
        Other = "other" ["其他", "其它"],
    }
}

vocabulary! {
    /// 就业状况.
    Employment {
        Employed = "employed" ["在职", "在业", "就业"],
        SelfEmployed = "self_employed" ["个体", "自由职业"],
        Retired = "retired" ["离退休", "退休"],
        Unemployed = "unemployed" ["失业", "登记失业"],
        Student = "student" ["在校学生", "学生"],
        Preschool = "preschool" ["学龄前", "学龄前儿童"],
        None = "none" ["无业"],
        Other = "other" ["其他", "其它"],
    }
}

vocabulary! {
    /// 人员类别 recorded by staff (age categories are derived, not recorded).
    Tag {
        LivingAlone = "living_alone" ["独居老人", "独居"],
        EmptyNest = "empty_nest" ["空巢老人", "空巢"],
        Disabled = "disabled" ["残疾人", "残疾"],
        Dibao = "dibao" ["低保", "低保对象"],
        Tekun = "tekun" ["特困", "特困人员"],
        LowIncome = "low_income" ["低收入", "低收入家庭"],
        Youfu = "youfu" ["优抚对象", "优抚"],
        Veteran = "veteran" ["退役军人"],
        ChildInDifficulty = "child_in_difficulty" ["困境儿童"],
        LeftBehindChild = "left_behind_child" ["留守儿童"],
    }
}

impl Tag {
    /// Categories whose members the grid worker must visit at the community's interval.
    pub fn vulnerable(self) -> bool {
        matches!(
            self,
            Tag::LivingAlone | Tag::EmptyNest | Tag::Disabled | Tag::ChildInDifficulty | Tag::LeftBehindChild
        )
    }
}

/// Whole years of age on `day`.
pub fn age_on(birth: Date, day: Date) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Categories that follow from age alone: `elderly_60`, `elderly_80`, `minor`.
pub fn derived_categories(birth: Date, today: Date) -> Vec<&'static str> {
    let age = age_on(birth, today);
    let mut c = Vec::new();
    if age >= 60 {
        c.push("elderly_60");
    }
    if age >= 80 {
        c.push("elderly_80");
    }
    if age < 18 {
        c.push("minor");
    }
    c
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn words_and_codes_parse() {
        assert_eq!(ResidenceType::parse("户籍"), Some(ResidenceType::Registered));
        assert_eq!(Relation::parse(" 女儿 "), Some(Relation::Child));
        assert_eq!(Employment::parse("退休"), Some(Employment::Retired));
        assert_eq!(Tag::parse("独居老人"), Some(Tag::LivingAlone));
        assert_eq!(Tag::parse("不存在"), None);
        assert_eq!(ethnicity("汉"), Some("汉族"));
        assert_eq!(ethnicity("畲族"), Some("畲族"));
        assert_eq!(ethnicity("火星族"), None);
        assert_eq!(ETHNICITIES.len(), 56);
    }

    #[test]
    fn ages_turn_on_the_birthday() {
        let birth = date!(1946 - 11 - 30);
        assert_eq!(age_on(birth, date!(2026 - 11 - 29)), 79);
        assert_eq!(age_on(birth, date!(2026 - 11 - 30)), 80);
        assert_eq!(derived_categories(birth, date!(2026 - 11 - 30)), ["elderly_60", "elderly_80"]);
        assert_eq!(derived_categories(date!(2010 - 01 - 01), date!(2026 - 11 - 29)), ["minor"]);
        assert!(derived_categories(date!(1990 - 01 - 01), date!(2026 - 11 - 29)).is_empty());
    }
}
