//! The abuse check measured on the labelled set in `data/abuse.tsv` (Korean and English;
//! abusive messages with evasive spellings, and ordinary messages that only look rude out of
//! context). The check is held to a precision of at least 0.95 and a recall of at least 0.90; the
//! figures are printed (`cargo test -p sangdam-domain --test abuse -- --nocapture`) and kept in
//! BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use sangdam_domain::abuse::{Category, check};

struct Row {
    abusive: bool,
    category: Option<Category>,
    text: String,
}

fn rows() -> Vec<Row> {
    include_str!("../data/abuse.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.splitn(3, '\t');
            let (label, category, text) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let category = match category {
                "insult" => Some(Category::Insult),
                "threat" => Some(Category::Threat),
                "sexual" => Some(Category::Sexual),
                _ => None,
            };
            Row { abusive: label == "abusive", category, text: text.to_owned() }
        })
        .collect()
}

#[test]
fn precision_and_recall_on_the_labelled_set() {
    let rows = rows();
    assert!(rows.len() >= 400, "the set holds {} messages", rows.len());
    let korean =
        |t: &str| t.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c) || ('\u{3131}'..='\u{318E}').contains(&c));
    let (mut tp, mut fp, mut fneg, mut tn, mut right_category) = (0, 0, 0, 0, 0);
    let mut mistakes = Vec::new();
    for r in &rows {
        let got = check(&r.text);
        match (r.abusive, got) {
            (true, Some(c)) => {
                tp += 1;
                if Some(c) == r.category {
                    right_category += 1;
                }
            }
            (true, None) => {
                fneg += 1;
                mistakes.push(format!("missed ({}): {}", if korean(&r.text) { "ko" } else { "en" }, r.text));
            }
            (false, Some(c)) => {
                fp += 1;
                mistakes.push(format!("flagged as {}: {}", c.as_str(), r.text));
            }
            (false, None) => tn += 1,
        }
    }
    let precision = f64::from(tp) / f64::from(tp + fp);
    let recall = f64::from(tp) / f64::from(tp + fneg);
    println!("messages: {} ({} abusive, {} ordinary)", rows.len(), tp + fneg, fp + tn);
    println!("precision {precision:.3}, recall {recall:.3}, category right for {right_category} of {tp} caught");
    for m in &mistakes {
        println!("  {m}");
    }
    assert!(precision >= 0.95, "precision {precision:.3}");
    assert!(recall >= 0.90, "recall {recall:.3}");
}
