//! 满意度调查: questionnaires staff compose (single or multiple choice, a 1–5 scale, free text),
//! publish to the community's residents or to one category of them, and tally.
//!
//! A survey is a draft while its questions change, open while answers come in, then closed.
//! Answers are checked here against the questions they answer, so a stored answer always fits.

use serde::{Deserialize, Serialize};

use crate::validation::{Checker, FieldError, Invalid, multiline, text};

pub const MAX_QUESTIONS: usize = 30;
pub const MAX_OPTIONS: usize = 12;
/// The scale runs 1 (worst) to 5 (best).
pub const SCALE: std::ops::RangeInclusive<u8> = 1..=5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    Scale,
    Text,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 4] =
        [QuestionKind::Single, QuestionKind::Multiple, QuestionKind::Scale, QuestionKind::Text];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::Scale => "scale",
            QuestionKind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn has_options(self) -> bool {
        matches!(self, QuestionKind::Single | QuestionKind::Multiple)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub kind: QuestionKind,
    pub prompt: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    pub required: bool,
}

/// A question as typed into the form: options one per line.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct QuestionInput {
    pub kind: String,
    pub prompt: String,
    pub options: String,
    /// A checkbox: present ("on", "true") when ticked.
    pub required: Option<String>,
}

impl QuestionInput {
    pub fn validate(&self) -> Result<Question, Invalid> {
        let mut c = Checker::new();
        let kind = QuestionKind::parse(&self.kind);
        if kind.is_none() {
            c.push(FieldError::new("kind", "choice"));
        }
        let prompt = c.take("prompt", text(&self.prompt, 200));
        let options: Vec<String> =
            self.options.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
        if kind.is_some_and(QuestionKind::has_options) {
            if options.len() < 2 {
                c.push(FieldError::new("options", "too_few").with("min", 2));
            } else if options.len() > MAX_OPTIONS {
                c.push(FieldError::new("options", "too_many").with("max", MAX_OPTIONS));
            }
            if options.iter().any(|o| o.chars().count() > 60) {
                c.push(FieldError::new("options", "too_long").with("max", 60));
            }
            let mut seen = options.clone();
            seen.sort();
            seen.dedup();
            if seen.len() != options.len() {
                c.push(FieldError::new("options", "duplicate"));
            }
        }
        c.finish()?;
        match (kind, prompt) {
            (Some(kind), Some(prompt)) => Ok(Question {
                kind,
                prompt,
                options: if kind.has_options() { options } else { Vec::new() },
                required: self.required.as_deref().is_some_and(|r| matches!(r, "on" | "true" | "1")),
            }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

/// Who a survey is for: every resident (answering from their account, or on paper), or one
/// category of the register (answering with the code on the invitation slip each receives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Residents,
    Category(String),
}

/// The categories a survey can be published to: the register's derived and recorded ones.
pub fn audience_categories() -> impl Iterator<Item = &'static str> {
    ["elderly_60", "elderly_80"].into_iter().chain(crate::register::Tag::ALL.iter().map(|t| t.as_str()))
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SurveyInput {
    pub title: String,
    pub intro: String,
    /// `residents` or a category code (`elderly_60`, `living_alone`, …).
    pub audience: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyFields {
    pub title: String,
    pub intro: String,
    pub audience: Audience,
}

impl SurveyInput {
    pub fn validate(&self) -> Result<SurveyFields, Invalid> {
        let mut c = Checker::new();
        let title = c.take("title", text(&self.title, 100));
        let intro = c.take("intro", multiline(&self.intro, 1000));
        let audience = match self.audience.trim() {
            "" | "residents" => Some(Audience::Residents),
            a if audience_categories().any(|x| x == a) => Some(Audience::Category(a.to_owned())),
            _ => {
                c.push(FieldError::new("audience", "choice"));
                None
            }
        };
        c.finish()?;
        match (title, intro, audience) {
            (Some(title), Some(intro), Some(audience)) => Ok(SurveyFields { title, intro, audience }),
            _ => Err(Invalid::one("", "required")),
        }
    }
}

/// One question's answer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// Index of the chosen option.
    Choice(usize),
    Choices(Vec<usize>),
    Scale(u8),
    Text(String),
}

/// Checks a filled-in form (`q0`, `q1`, … repeated for multiple choice, values are option
/// indexes, scale points or text) against the questions; every problem at once.
pub fn check_answers(questions: &[Question], form: &[(String, String)]) -> Result<Vec<Option<Answer>>, Invalid> {
    let mut c = Checker::new();
    let mut out = Vec::with_capacity(questions.len());
    let mut given = false;
    for (i, q) in questions.iter().enumerate() {
        let field = format!("q{i}");
        let values: Vec<&str> =
            form.iter().filter(|(k, _)| *k == field).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect();
        given |= !values.is_empty();
        let option = |v: &str| v.parse::<usize>().ok().filter(|n| *n < q.options.len());
        let answer = match (q.kind, values.as_slice()) {
            (_, []) => None,
            (QuestionKind::Single, [v]) => match option(v) {
                Some(n) => Some(Answer::Choice(n)),
                None => {
                    c.push(FieldError::new(&field, "choice"));
                    None
                }
            },
            (QuestionKind::Single | QuestionKind::Scale | QuestionKind::Text, _) if values.len() > 1 => {
                c.push(FieldError::new(&field, "choice"));
                None
            }
            (QuestionKind::Multiple, vs) => {
                let mut picked: Vec<usize> = vs.iter().filter_map(|v| option(v)).collect();
                if picked.len() != vs.len() {
                    c.push(FieldError::new(&field, "choice"));
                }
                picked.sort_unstable();
                picked.dedup();
                Some(Answer::Choices(picked))
            }
            (QuestionKind::Scale, [v]) => match v.parse::<u8>().ok().filter(|n| SCALE.contains(n)) {
                Some(n) => Some(Answer::Scale(n)),
                None => {
                    c.push(FieldError::new(&field, "choice"));
                    None
                }
            },
            (QuestionKind::Text, [v]) => c.take(&field, multiline(v, 1000)).map(Answer::Text),
            _ => None,
        };
        if answer.is_none() && q.required && values.is_empty() {
            c.push(FieldError::new(&field, "required"));
        }
        out.push(answer);
    }
    // Nothing given for any question (other fields do not count).
    if !given && !questions.is_empty() {
        c.push(FieldError::new("", "survey_empty"));
    }
    c.finish()?;
    Ok(out)
}

/// One question's results: counts per option (or per scale point), the mean of a scale, the
/// text answers, and how many answered it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    pub answered: i64,
    /// Per option, or per scale point 1–5.
    pub counts: Vec<i64>,
    pub mean: Option<f64>,
    pub texts: Vec<String>,
}

/// Tallies every response (each a list of answers in question order).
pub fn tally(questions: &[Question], responses: &[Vec<Option<Answer>>]) -> Vec<Tally> {
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let width = match q.kind {
                QuestionKind::Scale => SCALE.len(),
                QuestionKind::Text => 0,
                _ => q.options.len(),
            };
            let mut t = Tally { answered: 0, counts: vec![0; width], mean: None, texts: Vec::new() };
            let mut sum = 0i64;
            for answer in responses.iter().filter_map(|r| r.get(i).and_then(Option::as_ref)) {
                let counted = match (q.kind, answer) {
                    (QuestionKind::Single, Answer::Choice(n)) => bump(&mut t.counts, *n),
                    (QuestionKind::Multiple, Answer::Choices(ns)) => {
                        // Every choice is counted (no short-circuit), the answer once.
                        ns.iter().filter(|n| bump(&mut t.counts, **n)).count() > 0
                    }
                    (QuestionKind::Scale, Answer::Scale(n)) => {
                        sum += i64::from(*n);
                        bump(&mut t.counts, usize::from(*n).saturating_sub(1))
                    }
                    (QuestionKind::Text, Answer::Text(s)) => {
                        t.texts.push(s.clone());
                        true
                    }
                    _ => false,
                };
                t.answered += i64::from(counted);
            }
            if q.kind == QuestionKind::Scale && t.answered > 0 {
                t.mean = Some((sum as f64 / t.answered as f64 * 100.0).round() / 100.0);
            }
            t
        })
        .collect()
}

fn bump(counts: &mut [i64], n: usize) -> bool {
    counts.get_mut(n).map(|c| *c += 1).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(kind: &str, prompt: &str, options: &str, required: bool) -> Question {
        QuestionInput {
            kind: kind.into(),
            prompt: prompt.into(),
            options: options.into(),
            required: required.then(|| "on".into()),
        }
        .validate()
        .expect("a valid question")
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn questions_are_checked() {
        let single = q("single", "您对窗口服务满意吗？", "满意\n一般\n\n不满意\n", true);
        assert_eq!(single.options, ["满意", "一般", "不满意"]);
        assert!(single.required);
        assert!(q("scale", "打分", "ignored", false).options.is_empty());
        let codes = |i: QuestionInput| -> Vec<(String, &str)> {
            i.validate().expect_err("an invalid input").0.into_iter().map(|e| (e.field, e.code)).collect()
        };
        assert_eq!(
            codes(QuestionInput {
                kind: "single".into(),
                prompt: "x".into(),
                options: "只有一个".into(),
                required: None
            }),
            [("options".into(), "too_few")]
        );
        assert_eq!(
            codes(QuestionInput {
                kind: "multiple".into(),
                prompt: "x".into(),
                options: "甲\n甲".into(),
                required: None
            }),
            [("options".into(), "duplicate")]
        );
        let bad = codes(QuestionInput { kind: "essay".into(), prompt: " ".into(), ..QuestionInput::default() });
        assert!(bad.contains(&("kind".into(), "choice")) && bad.iter().any(|(f, _)| f == "prompt"), "{bad:?}");
    }

    #[test]
    fn surveys_go_to_residents_or_a_category() {
        let s =
            SurveyInput { title: "2026年满意度调查".into(), intro: String::new(), audience: "elderly_60".into() };
        assert_eq!(s.validate().map(|f| f.audience), Ok(Audience::Category("elderly_60".into())));
        let all = SurveyInput { audience: String::new(), ..s.clone() };
        assert_eq!(all.validate().map(|f| f.audience), Ok(Audience::Residents));
        let bad = SurveyInput { audience: "everyone".into(), title: String::new(), ..s };
        let got: Vec<String> = bad.validate().expect_err("an invalid input").0.into_iter().map(|e| e.field).collect();
        assert_eq!(got, ["title", "audience"]);
        assert!(audience_categories().any(|c| c == "living_alone"));
    }

    #[test]
    fn answers_are_checked_against_their_questions() {
        let qs = vec![
            q("single", "满意吗", "满意\n不满意", true),
            q("multiple", "常用服务", "养老\n医疗\n就业", false),
            q("scale", "环境", "", false),
            q("text", "建议", "", false),
        ];
        let got = check_answers(&qs, &form(&[("q0", "1"), ("q1", "2"), ("q1", "0"), ("q2", "4"), ("q3", " 多种树 ")]));
        assert_eq!(
            got,
            Ok(vec![
                Some(Answer::Choice(1)),
                Some(Answer::Choices(vec![0, 2])),
                Some(Answer::Scale(4)),
                Some(Answer::Text("多种树".into()))
            ])
        );
        // Optional questions may be skipped; required ones may not; values must exist.
        assert_eq!(check_answers(&qs, &form(&[("q0", "0")])), Ok(vec![Some(Answer::Choice(0)), None, None, None]));
        let err = check_answers(&qs, &form(&[("q1", "7"), ("q2", "6"), ("q0", "0"), ("q0", "1")]))
            .expect_err("an invalid input")
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect::<Vec<_>>();
        assert_eq!(err, [("q0".into(), "choice"), ("q1".into(), "choice"), ("q2".into(), "choice")]);
        let err = check_answers(&qs, &form(&[])).expect_err("an empty form").0;
        assert!(
            err.iter().any(|e| e.field == "q0" && e.code == "required") && err.iter().any(|e| e.code == "survey_empty")
        );
    }

    #[test]
    fn tallies_count_every_answer_once() {
        let qs = vec![
            q("single", "满意吗", "满意\n不满意", true),
            q("multiple", "服务", "养老\n医疗", false),
            q("scale", "环境", "", false),
            q("text", "建议", "", false),
        ];
        let a = vec![
            Some(Answer::Choice(0)),
            Some(Answer::Choices(vec![0, 1])),
            Some(Answer::Scale(5)),
            Some(Answer::Text("好".into())),
        ];
        let b = vec![Some(Answer::Choice(0)), None, Some(Answer::Scale(2)), None];
        // An answer that no longer fits (an index out of range) is not counted.
        let c = vec![Some(Answer::Choice(9)), Some(Answer::Choices(vec![1])), None, None];
        let t = tally(&qs, &[a, b, c]);
        assert_eq!((t[0].answered, t[0].counts.clone()), (2, vec![2, 0]));
        assert_eq!((t[1].answered, t[1].counts.clone()), (2, vec![1, 2]));
        assert_eq!((t[2].answered, t[2].counts.clone(), t[2].mean), (2, vec![0, 1, 0, 0, 1], Some(3.5)));
        assert_eq!(t[3].texts, ["好"]);
    }
}
