//! Both checks measured on labelled messages they were not written beside. The sets in `data/`
//! and how each was made and used are listed in BENCHMARKS.md; in short:
//!
//! - `data/*-tune*.tsv` and `data/ordinary-tune*.tsv`: written blind, writer by writer; each was
//!   either tuning data from the start or the untouched test part of an earlier round, retired to
//!   tuning once measured. The rules were tuned on some, the learned model trains on all.
//! - `data/*-test.tsv`: written by one more person from the same description of the labels, never
//!   looked at while tuning (messages identical to one in another set were taken out): the
//!   untouched part the goals are held to.
//! - `data/ordinary-test.tsv`: everyday messages by another person, to count how often an
//!   ordinary client is flagged.
//!
//! Each line is `crisis<TAB>abuse<TAB>lang<TAB>message`. The figures are printed with
//! `cargo test -p sangdam-domain --test classify -- --nocapture`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

use sangdam_domain::abuse::{self, Category};
use sangdam_domain::crisis::Level;

struct Row {
    crisis: Option<Level>,
    abuse: Option<Category>,
    lang: String,
    text: String,
}

fn rows(set: &str) -> Vec<Row> {
    set.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let p: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(p.len(), 4, "{l}");
            Row {
                crisis: Level::parse(p[0]),
                abuse: match p[1] {
                    "insult" => Some(Category::Insult),
                    "threat" => Some(Category::Threat),
                    "sexual" => Some(Category::Sexual),
                    "none" => None,
                    other => panic!("label {other}"),
                },
                lang: p[2].to_owned(),
                text: p[3].to_owned(),
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Count {
    tp: u32,
    fp: u32,
    fneg: u32,
}

impl Count {
    fn add(&mut self, truth: bool, got: bool) {
        match (truth, got) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fneg += 1,
            (false, false) => {}
        }
    }
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 { 1.0 } else { f64::from(self.tp) / f64::from(self.tp + self.fp) }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fneg == 0 { 1.0 } else { f64::from(self.tp) / f64::from(self.tp + self.fneg) }
    }
    fn line(self, name: &str) -> String {
        format!(
            "  {name:<22} precision {:.3}  recall {:.3}  ({} right, {} false, {} missed)",
            self.precision(),
            self.recall(),
            self.tp,
            self.fp,
            self.fneg
        )
    }
}

struct Figures {
    high: Count,
    concern: Count,
    any_crisis: Count,
    abuse: Count,
    abuse_as_labelled: Count,
    by_category: [Count; 3],
    crisis_flagged_as_abuse: u32,
}

fn measure(name: &str, rows: &[Row], show_mistakes: bool) -> Figures {
    let mut f = Figures {
        high: Count::default(),
        concern: Count::default(),
        any_crisis: Count::default(),
        abuse: Count::default(),
        abuse_as_labelled: Count::default(),
        by_category: [Count::default(); 3],
        crisis_flagged_as_abuse: 0,
    };
    let mut per_lang: std::collections::BTreeMap<(String, &str), Count> = std::collections::BTreeMap::new();
    let mut mistakes = Vec::new();
    for r in rows {
        let got = abuse::classify(&r.text);
        f.high.add(r.crisis == Some(Level::High), got.crisis == Some(Level::High));
        f.concern.add(r.crisis == Some(Level::Concern), got.crisis == Some(Level::Concern));
        f.any_crisis.add(r.crisis.is_some(), got.crisis.is_some());
        // A crisis message is never abuse, whatever words it uses: abuse is expected only where no
        // crisis is (`abuse_as_labelled` counts every abuse label, as rounds 1 to 9 did).
        f.abuse.add(r.abuse.is_some() && r.crisis.is_none(), got.abuse.is_some());
        f.abuse_as_labelled.add(r.abuse.is_some(), got.abuse.is_some());
        for (i, c) in [Category::Insult, Category::Threat, Category::Sexual].into_iter().enumerate() {
            f.by_category[i].add(r.abuse == Some(c), got.abuse == Some(c));
        }
        if r.crisis.is_some() && got.abuse.is_some() {
            f.crisis_flagged_as_abuse += 1;
        }
        for (level, label) in [(Some(Level::High), "high"), (Some(Level::Concern), "concern")] {
            per_lang.entry((r.lang.clone(), label)).or_default().add(r.crisis == level, got.crisis == level);
        }
        per_lang
            .entry((r.lang.clone(), "abuse"))
            .or_default()
            .add(r.abuse.is_some() && r.crisis.is_none(), got.abuse.is_some());
        if got.crisis != r.crisis || got.abuse != r.abuse {
            mistakes.push(format!(
                "  crisis {:>7} (labelled {:>7}), abuse {:>6} (labelled {:>6}) {:?}: {}",
                got.crisis.map_or("none", Level::as_str),
                r.crisis.map_or("none", Level::as_str),
                got.abuse.map_or("none", Category::as_str),
                r.abuse.map_or("none", Category::as_str),
                got.why,
                r.text
            ));
        }
    }
    println!("== {name}: {} messages", rows.len());
    println!("{}", f.high.line("crisis high"));
    println!("{}", f.concern.line("crisis concern"));
    println!("{}", f.any_crisis.line("crisis (either level)"));
    println!("{}", f.abuse.line("abuse (any category)"));
    println!("{}", f.abuse_as_labelled.line("abuse, crisis included"));
    for (i, c) in ["insult", "threat", "sexual"].iter().enumerate() {
        println!("{}", f.by_category[i].line(&format!("abuse {c}")));
    }
    for ((lang, label), c) in &per_lang {
        println!("{}", c.line(&format!("{lang} {label}")));
    }
    println!("  crisis messages flagged as abuse: {}", f.crisis_flagged_as_abuse);
    if show_mistakes {
        for m in &mistakes {
            println!("{m}");
        }
    }
    f
}

fn set(name: &str) -> Option<String> {
    std::fs::read_to_string(format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))).ok()
}

#[test]
fn the_tuning_part() {
    let mut all = Vec::new();
    for name in [
        "crisis-tune.tsv",
        "abuse-tune.tsv",
        "crisis-tune2.tsv",
        "abuse-tune2.tsv",
        "crisis-tune3.tsv",
        "abuse-tune3.tsv",
        "crisis-tune4.tsv",
        "abuse-tune4.tsv",
        "crisis-tune5.tsv",
        "abuse-tune5.tsv",
        "crisis-tune6.tsv",
        "abuse-tune6.tsv",
        "crisis-tune7.tsv",
        "abuse-tune7.tsv",
        "crisis-tune8.tsv",
        "abuse-tune8.tsv",
        "crisis-tune9.tsv",
        "abuse-tune9.tsv",
        "crisis-tune10.tsv",
        "abuse-tune10.tsv",
        "crisis-tune11.tsv",
        "abuse-tune11.tsv",
        "crisis-tune12.tsv",
        "abuse-tune12.tsv",
        "crisis-tune13.tsv",
        "abuse-tune13.tsv",
        "crisis-tune14.tsv",
        "abuse-tune14.tsv",
        "crisis-tune15.tsv",
        "abuse-tune15.tsv",
        "crisis-tune16.tsv",
        "abuse-tune16.tsv",
        "crisis-tune17.tsv",
        "abuse-tune17.tsv",
        "crisis-tune18.tsv",
        "abuse-tune18.tsv",
        "crisis-tune19.tsv",
        "abuse-tune19.tsv",
        "crisis-tune20.tsv",
        "abuse-tune20.tsv",
        "crisis-tune21.tsv",
        "abuse-tune21.tsv",
        "crisis-tune22.tsv",
        "abuse-tune22.tsv",
        "crisis-tune23.tsv",
        "abuse-tune23.tsv",
        "crisis-tune24.tsv",
        "abuse-tune24.tsv",
        "crisis-tune25.tsv",
        "abuse-tune25.tsv",
        "ordinary-tune.tsv",
        "ordinary-tune2.tsv",
        "ordinary-tune3.tsv",
        "ordinary-tune4.tsv",
        "ordinary-tune5.tsv",
        "ordinary-tune6.tsv",
        "ordinary-tune7.tsv",
        "ordinary-tune8.tsv",
        "ordinary-tune9.tsv",
        "ordinary-tune10.tsv",
        "ordinary-tune11.tsv",
        "ordinary-tune12.tsv",
        "ordinary-tune13.tsv",
        "ordinary-tune14.tsv",
    ] {
        all.extend(rows(&set(name).unwrap()));
    }
    assert!(all.len() >= 400, "{} messages", all.len());
    let f = measure("tuning part (*-tune*.tsv)", &all, true);
    assert_eq!(f.crisis_flagged_as_abuse, 0, "a crisis message is never abuse");
    assert!(f.high.recall() >= 0.95 && f.high.precision() >= 0.90, "crisis high on the tuning part");
    assert!(f.abuse.precision() >= 0.95 && f.abuse.recall() >= 0.90, "abuse on the tuning part");
}

/// The goals (crisis `high`: recall 0.95 and precision 0.90; abuse: precision 0.95 and recall
/// 0.90) are printed against what the checks reach; they are not met (see BENCHMARKS.md). The
/// assertions keep the checks from getting worse than they are on the untouched part.
#[test]
fn the_untouched_test_part() {
    let (Some(crisis), Some(abuse_set)) = (set("crisis-test.tsv"), set("abuse-test.tsv")) else {
        panic!("the test part is missing");
    };
    let mut all = rows(&crisis);
    all.extend(rows(&abuse_set));
    assert!(all.len() >= 400, "{} messages", all.len());
    let f = measure("untouched test part (crisis-test.tsv + abuse-test.tsv)", &all, false);
    println!(
        "goals: crisis high recall {:.3} (goal 0.95), precision {:.3} (goal 0.90); abuse precision {:.3} (goal 0.95), recall {:.3} (goal 0.90)",
        f.high.recall(),
        f.high.precision(),
        f.abuse.precision(),
        f.abuse.recall()
    );
    assert!(f.high.precision() >= 0.97 && f.high.recall() >= 0.89, "crisis high got worse");
    assert!(f.any_crisis.precision() >= 0.96 && f.any_crisis.recall() >= 0.91, "crisis got worse");
    assert!(f.abuse.precision() >= 0.96 && f.abuse.recall() >= 0.88, "abuse got worse");
    assert!(f.crisis_flagged_as_abuse <= 1, "more crisis messages the crisis check missed were flagged as abuse");
}

/// Everyday messages (greetings, scheduling, a camera that does not start, a hard week at work),
/// written by someone who had read neither check, as a separate batch from the ordinary messages
/// the learned model is trained on: how often an ordinary client is shown crisis lines or warned.
/// Round 14's writer's everyday messages are flagged more often (6 of 342 as a crisis) than the one
/// in a hundred the tuning sets hold (`tests/learned.rs`); this keeps it from getting worse.
#[test]
fn ordinary_messages() {
    let all = rows(&set("ordinary-test.tsv").unwrap());
    assert!(all.len() >= 300, "{} messages", all.len());
    let (mut crisis, mut abuse_flags) = (0, 0);
    for r in &all {
        let got = abuse::classify(&r.text);
        if got.crisis.is_some() {
            crisis += 1;
            println!("  crisis {:?}: {}", got.why, r.text);
        }
        if got.abuse.is_some() {
            abuse_flags += 1;
            println!("  abuse {:?}: {}", got.why, r.text);
        }
    }
    println!("== ordinary messages: {}; crisis flagged {crisis}, abuse flagged {abuse_flags}", all.len());
    assert!(crisis * 1000 <= all.len() * 20, "{crisis} ordinary messages read as a crisis");
    assert!(abuse_flags * 100 <= all.len(), "{abuse_flags} ordinary messages read as abuse");
}
