//! The learned half of both message checks: a linear model over character n-grams, trained on the
//! labelled tuning messages in `data/` when it is first needed.
//!
//! The rules (`crisis`, `abuse`) name what they saw and keep what they rule out (a negation, a
//! past episode, a word about someone else), but on messages written by people they were not
//! tuned beside they miss the ways of saying it that no rule names. A model of which
//! letter-sequences go with which label generalizes to those better (measured writer by writer in
//! `tests/classify.rs`), and the two together find more than either: the model is asked only when
//! the rules found nothing and ruled nothing out, and it must be confident.
//!
//! How it works, so that a maintainer can follow a decision:
//!
//! - A message becomes the set of its words' letter n-grams (1 to 4 characters, each word padded
//!   with a space on both sides, lowercased), hashed into [`BUCKETS`] buckets. Each bucket weighs
//!   `1 + ln(count)` times its inverse document frequency in the training messages, and the
//!   vector is scaled to length one. The two crisis labels also read the letter n-grams (2 to 4)
//!   of the message with its spaces taken out, so that "죽고 싶어" and "죽고싶어" share them
//!   (`reads_across`).
//! - One logistic regression per label ([`Label`]), each trained on every tuning message (the two
//!   classes of a crisis label weighted equally, abuse labels as they come), by AdaGrad for [`EPOCHS`] passes in a fixed order: the same
//!   messages always give the same model. Each label's regression sees every bucket scaled by its
//!   naive Bayes log-count ratio for that label (NBSVM), folded into the weights it keeps.
//! - Training takes about 50 ms in a release build; [`warm`] does it ahead of the first message.

use std::sync::OnceLock;

/// Hash buckets of the feature vector.
pub const BUCKETS: usize = 1 << 17;
/// Passes over the training messages.
pub const EPOCHS: usize = 12;
const STEP: f32 = 0.5;
const L2: f32 = 1e-5;

/// What the model is asked about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// Crisis, level `high`.
    High,
    /// Crisis, either level.
    Crisis,
    Insult,
    Threat,
    Sexual,
}

impl Label {
    pub const ALL: [Label; 5] = [Label::High, Label::Crisis, Label::Insult, Label::Threat, Label::Sexual];
}

/// One labelled message as the tuning sets hold it.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    /// `none`, `concern` or `high`.
    pub crisis: String,
    /// `none`, `insult`, `threat` or `sexual`.
    pub abuse: String,
}

impl Example {
    /// Whether the message carries `label`.
    pub fn has(&self, label: Label) -> bool {
        match label {
            Label::High => self.crisis == "high",
            Label::Crisis => self.crisis != "none",
            Label::Insult => self.abuse == "insult",
            Label::Threat => self.abuse == "threat",
            Label::Sexual => self.abuse == "sexual",
        }
    }
}

/// Reads a labelled set: `crisis<TAB>abuse<TAB>lang<TAB>message` per line, `#` lines skipped.
pub fn parse(set: &str) -> Vec<Example> {
    set.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut p = l.splitn(4, '\t');
            let (crisis, abuse, _lang, text) = (p.next()?, p.next()?, p.next()?, p.next()?);
            Some(Example { text: text.to_owned(), crisis: crisis.to_owned(), abuse: abuse.to_owned() })
        })
        .collect()
}

/// The tuning sets the product's model is trained on (never the untouched test part).
const TRAINING: [&str; 64] = [
    include_str!("../data/crisis-tune.tsv"),
    include_str!("../data/abuse-tune.tsv"),
    include_str!("../data/crisis-tune2.tsv"),
    include_str!("../data/abuse-tune2.tsv"),
    include_str!("../data/crisis-tune3.tsv"),
    include_str!("../data/abuse-tune3.tsv"),
    include_str!("../data/crisis-tune4.tsv"),
    include_str!("../data/abuse-tune4.tsv"),
    include_str!("../data/crisis-tune5.tsv"),
    include_str!("../data/abuse-tune5.tsv"),
    include_str!("../data/crisis-tune6.tsv"),
    include_str!("../data/abuse-tune6.tsv"),
    include_str!("../data/crisis-tune7.tsv"),
    include_str!("../data/abuse-tune7.tsv"),
    include_str!("../data/crisis-tune8.tsv"),
    include_str!("../data/abuse-tune8.tsv"),
    include_str!("../data/crisis-tune9.tsv"),
    include_str!("../data/abuse-tune9.tsv"),
    include_str!("../data/crisis-tune10.tsv"),
    include_str!("../data/abuse-tune10.tsv"),
    include_str!("../data/crisis-tune11.tsv"),
    include_str!("../data/abuse-tune11.tsv"),
    include_str!("../data/crisis-tune12.tsv"),
    include_str!("../data/abuse-tune12.tsv"),
    include_str!("../data/crisis-tune13.tsv"),
    include_str!("../data/abuse-tune13.tsv"),
    include_str!("../data/crisis-tune14.tsv"),
    include_str!("../data/abuse-tune14.tsv"),
    include_str!("../data/crisis-tune15.tsv"),
    include_str!("../data/abuse-tune15.tsv"),
    include_str!("../data/crisis-tune16.tsv"),
    include_str!("../data/abuse-tune16.tsv"),
    include_str!("../data/crisis-tune17.tsv"),
    include_str!("../data/abuse-tune17.tsv"),
    include_str!("../data/crisis-tune18.tsv"),
    include_str!("../data/abuse-tune18.tsv"),
    include_str!("../data/crisis-tune19.tsv"),
    include_str!("../data/abuse-tune19.tsv"),
    include_str!("../data/crisis-tune20.tsv"),
    include_str!("../data/abuse-tune20.tsv"),
    include_str!("../data/crisis-tune21.tsv"),
    include_str!("../data/abuse-tune21.tsv"),
    include_str!("../data/crisis-tune22.tsv"),
    include_str!("../data/abuse-tune22.tsv"),
    include_str!("../data/crisis-tune23.tsv"),
    include_str!("../data/abuse-tune23.tsv"),
    include_str!("../data/crisis-tune24.tsv"),
    include_str!("../data/abuse-tune24.tsv"),
    include_str!("../data/crisis-tune25.tsv"),
    include_str!("../data/abuse-tune25.tsv"),
    include_str!("../data/ordinary-tune.tsv"),
    include_str!("../data/ordinary-tune2.tsv"),
    include_str!("../data/ordinary-tune3.tsv"),
    include_str!("../data/ordinary-tune4.tsv"),
    include_str!("../data/ordinary-tune5.tsv"),
    include_str!("../data/ordinary-tune6.tsv"),
    include_str!("../data/ordinary-tune7.tsv"),
    include_str!("../data/ordinary-tune8.tsv"),
    include_str!("../data/ordinary-tune9.tsv"),
    include_str!("../data/ordinary-tune10.tsv"),
    include_str!("../data/ordinary-tune11.tsv"),
    include_str!("../data/ordinary-tune12.tsv"),
    include_str!("../data/ordinary-tune13.tsv"),
    include_str!("../data/ordinary-tune14.tsv"),
];

/// A trained model: per bucket its inverse document frequency and one weight per label, side by
/// side so that a message's n-gram costs one memory access, not six.
pub struct Model {
    table: Vec<[f32; 6]>,
    bias: [f32; 5],
}

/// How much of a long message the model reads: its first and its last this many characters (the
/// training messages are at most 300; the rules read everything).
pub const READ_CHARS: usize = 600;

/// The hashed n-grams of a message with their counts, sorted by bucket; `across` adds the letter
/// n-grams that run across the spaces.
fn grams(text: &str, across: bool) -> Vec<(u32, f32)> {
    let count = text.chars().count();
    let lower = if count > 2 * READ_CHARS {
        let head: String = text.chars().take(READ_CHARS).collect();
        let tail: String = text.chars().skip(count - READ_CHARS).collect();
        format!("{head} {tail}").to_lowercase()
    } else {
        text.to_lowercase()
    };
    let mut out: Vec<u32> = Vec::new();
    let mut word: Vec<char> = Vec::with_capacity(32);
    for token in lower.split_whitespace() {
        word.clear();
        word.push(' ');
        word.extend(token.chars());
        word.push(' ');
        // FNV-1a over the characters' UTF-8, extended one character at a time from each start,
        // then mixed with the length (which keeps a 1-gram and a 2-gram that hash alike apart).
        let mut utf8 = [0u8; 4];
        for i in 0..word.len() {
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for n in 1..=4usize.min(word.len() - i) {
                for b in word[i + n - 1].encode_utf8(&mut utf8).bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
                if n == 1 && word[i] == ' ' {
                    continue;
                }
                let mixed = h ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                out.push((mixed % BUCKETS as u64) as u32);
            }
        }
    }
    // Letter n-grams of the message with its spaces taken out (2 to 4 letters): the same words
    // typed with or without their spaces ("죽고 싶어", "죽고싶어") share them, and so do the
    // phrases that span two words.
    if across {
        let letters: Vec<char> = lower.chars().filter(|c| !c.is_whitespace()).collect();
        let mut utf8 = [0u8; 4];
        for i in 0..letters.len() {
            let mut h: u64 = 0x1234_5678_9abc_def1;
            for n in 1..=ACROSS_MAX.min(letters.len() - i) {
                for b in letters[i + n - 1].encode_utf8(&mut utf8).bytes() {
                    h ^= u64::from(b);
                    h = h.wrapping_mul(0x0100_0000_01b3);
                }
                if n >= 2 {
                    let mixed = h ^ (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                    out.push((mixed % BUCKETS as u64) as u32);
                }
            }
        }
    }
    // Whole words and pairs of words, as one more kind of n-gram.
    let words: Vec<&str> = lower.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        let mut h: u64 = 0x8422_2325_cbf2_9ce4;
        for b in w.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        out.push((h % BUCKETS as u64) as u32);
        if let Some(next) = words.get(i + 1) {
            h ^= 0x20;
            h = h.wrapping_mul(0x0100_0000_01b3);
            for b in next.bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            out.push((h % BUCKETS as u64) as u32);
        }
    }
    out.sort_unstable();
    let mut counted: Vec<(u32, f32)> = Vec::with_capacity(out.len());
    for b in out {
        match counted.last_mut() {
            Some((last, c)) if *last == b => *c += 1.0,
            _ => counted.push((b, 1.0)),
        }
    }
    counted
}

/// How strongly each bucket tells a label's messages from the others, as naive Bayes would
/// weigh it: the log of the ratio of its share among the label's messages to its share among the
/// rest (each count started at one), as a size, never below [`MIN_RATIO`]. The regression sees
/// each feature scaled by it (Wang and Manning's NBSVM), which measured writer by writer found
/// more crisis messages for as many everyday messages flagged (BENCHMARKS.md, round 13).
fn ratios(vectors: &[Vec<(u32, f32)>], examples: &[Example], label: Label) -> Vec<f32> {
    let (mut with, mut without) = (vec![1.0f32; BUCKETS], vec![1.0f32; BUCKETS]);
    for (x, e) in vectors.iter().zip(examples) {
        let counts = if e.has(label) { &mut with } else { &mut without };
        for (b, _) in x {
            counts[*b as usize] += 1.0;
        }
    }
    let (sum_with, sum_without) = (with.iter().sum::<f32>(), without.iter().sum::<f32>());
    with.iter().zip(&without).map(|(a, c)| ((a / sum_with) / (c / sum_without)).ln().abs().max(MIN_RATIO)).collect()
}

/// The longest letter n-gram read across the spaces.
const ACROSS_MAX: usize = 4;

/// Whether a label's regression reads the letter n-grams across the spaces. The crisis labels do:
/// writer by writer they found as many crisis messages with fewer everyday ones flagged
/// (BENCHMARKS.md, round 14). The abuse labels do not: they lost recall with them.
fn reads_across(label: Label) -> bool {
    matches!(label, Label::High | Label::Crisis)
}

/// The least a bucket's naive Bayes ratio scales it by, so that no n-gram is silenced outright.
const MIN_RATIO: f32 = 0.25;

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

impl Model {
    fn vector(&self, text: &str, across: bool) -> Vec<(u32, f32)> {
        let mut v = grams(text, across);
        let mut norm = 0.0f32;
        for (b, c) in &mut v {
            *c = (1.0 + c.ln()) * self.table[*b as usize][0];
            norm += *c * *c;
        }
        let norm = norm.sqrt();
        if norm > 0.0 {
            for (_, c) in &mut v {
                *c /= norm;
            }
        }
        v
    }

    /// Trains one model per label on `examples`, deterministically.
    pub fn train(examples: &[Example]) -> Model {
        let mut df = vec![0u32; BUCKETS];
        let counted: Vec<Vec<(u32, f32)>> = examples.iter().map(|e| grams(&e.text, true)).collect();
        for v in &counted {
            for (b, _) in v {
                df[*b as usize] += 1;
            }
        }
        let n = examples.len() as f32;
        // A bucket no training message has carries no weight and must not dilute the others.
        let mut table = vec![[0.0f32; 6]; BUCKETS];
        for (row, d) in table.iter_mut().zip(&df) {
            row[0] = if *d == 0 { 0.0 } else { ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0 };
        }
        let mut model = Model { table, bias: [0.0; 5] };
        let plain: Vec<Vec<(u32, f32)>> = examples.iter().map(|e| model.vector(&e.text, false)).collect();
        let across: Vec<Vec<(u32, f32)>> = examples.iter().map(|e| model.vector(&e.text, true)).collect();
        // A fixed shuffle (a linear congruential sequence) so that no writer's messages come in
        // one block.
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut seed: u64 = 0x5eed;
        for i in (1..order.len()).rev() {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            order.swap(i, (seed >> 33) as usize % (i + 1));
        }
        for (li, label) in Label::ALL.into_iter().enumerate() {
            let positives = examples.iter().filter(|e| e.has(label)).count().max(1) as f32;
            let negatives = (n - positives).max(1.0);
            // A crisis is rare and missing one costs most: its two classes weigh the same. Abuse keeps
            // its share of the messages, so its scores stay low on the everyday things said to a
            // counselor ("see you next week" scored 0.99 for a threat when weighted).
            let (w_pos, w_neg) = if matches!(label, Label::High | Label::Crisis) {
                ((n / (2.0 * positives)).powf(0.5), (n / (2.0 * negatives)).powf(0.5))
            } else {
                (1.0, 1.0)
            };
            let vectors = if reads_across(label) { &across } else { &plain };
            let r = ratios(vectors, examples, label);
            let mut w = vec![0.0f32; BUCKETS];
            let mut g2 = vec![1e-6f32; BUCKETS];
            let (mut bias, mut bias_g2) = (0.0f32, 1e-6f32);
            for _ in 0..EPOCHS {
                for &i in &order {
                    let x = &vectors[i];
                    let y = examples[i].has(label);
                    let z = bias + x.iter().map(|(b, v)| w[*b as usize] * v * r[*b as usize]).sum::<f32>();
                    let weight = if y { w_pos } else { w_neg };
                    let err = weight * (sigmoid(z) - if y { 1.0 } else { 0.0 });
                    for (b, v) in x {
                        let b = *b as usize;
                        let g = err * v * r[b] + L2 * w[b];
                        g2[b] += g * g;
                        w[b] -= STEP * g / g2[b].sqrt();
                    }
                    bias_g2 += err * err;
                    bias -= STEP * err / bias_g2.sqrt();
                }
            }
            for ((row, weight), r) in model.table.iter_mut().zip(&w).zip(&r) {
                row[li + 1] = *weight * r;
            }
            model.bias[li] = bias;
        }
        model
    }

    /// The model's probability of each label for a message, in the order of [`Label::ALL`].
    pub fn scores(&self, text: &str) -> [f32; 5] {
        let mut z = self.bias;
        for across in [false, true] {
            for (b, v) in self.vector(text, across) {
                let row = &self.table[b as usize];
                for (li, label) in Label::ALL.into_iter().enumerate() {
                    if reads_across(label) == across {
                        z[li] += row[li + 1] * v;
                    }
                }
            }
        }
        z.map(sigmoid)
    }

    /// The probability of one label.
    pub fn score(&self, text: &str, label: Label) -> f32 {
        let i = Label::ALL.iter().position(|l| *l == label).unwrap_or(0);
        self.scores(text)[i]
    }
}

/// How sure the model must be to add what the rules did not find.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// To raise a crisis to `high`.
    pub high: f32,
    /// To mark a crisis `concern` where the rules found none.
    pub concern: f32,
    /// To flag abuse where the rules found none (a flag warns the client).
    pub abuse: f32,
    /// Below this the model doubts the rules: a `high` becomes `concern`, a threat or a sexual
    /// remark is not flagged.
    pub doubt: f32,
    /// What the model needs for either crisis level where the rules saw no word a crisis is told
    /// with (a means, pills, a high place, death, a goodbye, self-harm, a wish).
    pub bare: f32,
    /// Below this (the model's score for a crisis of either level), a crisis the rules read only
    /// from circumstances (a means, a place, a time, a goodbye, an act) and never from a stated
    /// wish or intent is cleared: a climbing rope, a bridge project, decluttering. 0 never clears.
    pub clear: f32,
    /// Below this (the model's score for a crisis of either level, and for `high` below `doubt`),
    /// a `concern` the rules read from a stated wish is cleared: a wish told as past, a meme, a
    /// school assignment about suicide. 0 never clears one.
    pub dismiss: f32,
    /// What the model needs for either crisis level where the rules read the message as an
    /// ordinary topic (an idiom, a task that ends, pills taken as prescribed, a walk, a trip): it
    /// may overrule that reading only when it is this sure. Above 1 it never does.
    pub topic: f32,
    /// The same where the rules set the message aside as negated, past, about someone else or a
    /// question.
    pub aside: f32,
    /// What the model needs to flag abuse where the rules found a rude word and set it aside (said
    /// of oneself, told of someone else, a threat made to the client). Above 1 it never does.
    pub exempt: f32,
}

impl Thresholds {
    /// What the product uses, chosen on the writer-by-writer figures of the tuning sets
    /// (`tests/learned.rs`; BENCHMARKS.md has them).
    pub const PRODUCT: Thresholds = Thresholds {
        high: 0.2,
        concern: 0.6,
        abuse: 0.5,
        doubt: 0.05,
        bare: 0.2,
        clear: 0.1,
        dismiss: 0.02,
        topic: 0.8,
        aside: 0.9,
        exempt: 0.8,
    };
    /// The model never asked: the rules alone.
    pub const NEVER: Thresholds = Thresholds {
        high: 2.0,
        concern: 2.0,
        abuse: 2.0,
        doubt: 0.0,
        bare: 0.0,
        clear: 0.0,
        dismiss: 0.0,
        topic: 2.0,
        aside: 2.0,
        exempt: 2.0,
    };
}

/// The fewest words a message needs before the model may add a flag the rules did not raise. A
/// short message gives the model few n-grams to go on ("hello", "ㄱㅅㄱㅅ", "오늘 감기약
/// 먹었어요" scored high on one label or another), and short messages are where the rules are
/// surest: on the tuning sets they missed none of the flagged messages under four words but one.
pub const MIN_WORDS: usize = 4;

/// Whether a message is long enough for the model to be asked (see [`MIN_WORDS`]).
pub fn applies(message: &str) -> bool {
    message.split_whitespace().nth(MIN_WORDS - 1).is_some()
}

/// The product's model, trained on the tuning sets the first time it is asked.
pub fn model() -> &'static Model {
    static MODEL: OnceLock<Model> = OnceLock::new();
    MODEL.get_or_init(|| {
        let examples: Vec<Example> = TRAINING.iter().flat_map(|s| parse(s)).collect();
        Model::train(&examples)
    })
}

/// Trains the product's model now, so that the first message does not wait for it.
pub fn warm() {
    let _ = model();
}
